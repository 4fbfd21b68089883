/**
 * chainmesh's wire format: frames, control messages, hot-path flyweights, and the errors every
 * decoder raises ({@link io.chainmesh.codec.CodecException}).
 */
package io.chainmesh.codec;
