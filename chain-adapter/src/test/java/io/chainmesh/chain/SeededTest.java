package io.chainmesh.chain;

import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;
import org.junit.jupiter.params.provider.ArgumentsSource;
import org.junit.jupiter.params.support.ParameterDeclarations;
import org.opentest4j.TestAbortedException;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Method;
import java.util.stream.Stream;

/**
 * A seeded property test: a JUnit 5 {@link ParameterizedTest} that runs once per {@link SeededCase}, each case
 * listed in the report under its index and seed. The test method takes one {@code SeededCase} parameter and draws
 * its inputs from it. A failure is rethrown as an {@link AssertionError} whose message starts with
 * {@link SeededCase#describe()}: the case, its seed and the values it drew.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ParameterizedTest(name = "{0}")
@ArgumentsSource(SeededTest.Cases.class)
@ExtendWith(SeededTest.DescribeCaseOnFailure.class)
@interface SeededTest
{
    /**
     * @return how many cases to run.
     */
    int cases();

    /**
     * Supplies the cases of the annotated method.
     */
    final class Cases implements ArgumentsProvider
    {
        /**
         * {@inheritDoc}
         */
        @Override
        public Stream<? extends Arguments> provideArguments(
            final ParameterDeclarations parameters, final ExtensionContext context)
        {
            final Method method = context.getRequiredTestMethod();
            final String test = context.getRequiredTestClass().getSimpleName() + "." + method.getName();
            return SeededCase.cases(test, method.getAnnotation(SeededTest.class).cases()).map(Arguments::of);
        }
    }

    /**
     * Puts the case's seed and drawn values in front of any failure, so that the report says how to reproduce it.
     */
    final class DescribeCaseOnFailure implements InvocationInterceptor
    {
        /**
         * {@inheritDoc}
         */
        @Override
        public void interceptTestTemplateMethod(
            final Invocation<Void> invocation,
            final ReflectiveInvocationContext<Method> invocationContext,
            final ExtensionContext extensionContext) throws Throwable
        {
            try
            {
                invocation.proceed();
            }
            catch (final TestAbortedException aborted)
            {
                throw aborted;
            }
            catch (final Throwable failure)
            {
                final SeededCase sample = invocationContext.getArguments().stream()
                    .filter(SeededCase.class::isInstance).map(SeededCase.class::cast).findFirst().orElse(null);
                if (sample == null)
                {
                    throw failure;
                }
                throw new AssertionError(sample.describe() + System.lineSeparator() + failure, failure);
            }
        }
    }
}
