/**
 * Runnable programs that embed the chainmesh engine: two nodes publishing and subscribing
 * ({@link io.chainmesh.examples.PublishSubscribe}), direct messages ({@link io.chainmesh.examples.DirectMessages})
 * and membership from the application's own list ({@link io.chainmesh.examples.OwnDirectorySource} over
 * {@link io.chainmesh.examples.PollingDirectorySource}).
 */
package io.chainmesh.examples;
