package io.chainmesh.node.json;

/**
 * How a JSON parse error is reported back to whoever sent the text.
 */
public final class JsonErrors
{
    private JsonErrors()
    {
    }

    /**
     * Jackson's parse error message cut to its first line: the lines after it quote the offending input and its
     * location, which would echo hostile text back into a reply or a log.
     *
     * @param message a parse exception's message, possibly null.
     * @return its first line, or the empty string for null.
     */
    public static String firstLine(final String message)
    {
        if (null == message)
        {
            return "";
        }
        final int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
