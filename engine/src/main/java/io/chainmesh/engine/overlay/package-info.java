/**
 * The computed overlay: ring successors and fingers at {@code c * 8^j} (the broadcast tree's radix), derived from
 * the directory, the same on every member.
 */
package io.chainmesh.engine.overlay;
