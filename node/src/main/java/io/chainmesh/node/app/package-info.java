/**
 * The local application API: a loopback WebSocket endpoint through which programs outside the JVM publish,
 * subscribe and send direct messages over the node, with bounded per-client delivery queues.
 */
package io.chainmesh.node.app;
