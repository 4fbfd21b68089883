package io.chainmesh.engine;

/**
 * Which Netty transport carries the connections.
 */
public enum Transport
{
    /** Epoll if {@code Epoll.isAvailable()}, otherwise NIO. */
    AUTO,
    /** Linux epoll; fails at {@link ChainmeshNode.Context#conclude()} if the native library is missing. */
    EPOLL,
    /** Java NIO selectors; always available. */
    NIO
}
