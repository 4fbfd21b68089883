/**
 * The computed overlay: ring successors and power-of-two fingers derived from the directory, the same on every member.
 */
package io.chainmesh.engine.overlay;
