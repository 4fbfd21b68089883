/**
 * The frame envelope ({@code u32 length · u8 type · u8 flags · body}), its limits, and the Netty
 * adapters that split a byte stream into frames.
 */
package io.chainmesh.codec.frame;
