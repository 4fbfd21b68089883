/**
 * The {@code PING}/{@code PONG} heartbeat frames, read and written by flyweights.
 */
package io.chainmesh.codec.ping;
