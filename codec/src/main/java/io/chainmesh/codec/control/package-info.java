/**
 * Protobuf control messages (generated from {@code chainmesh_control.proto}) and
 * {@link io.chainmesh.codec.control.ControlCodec}, which parses them from frames with size checks.
 */
package io.chainmesh.codec.control;
