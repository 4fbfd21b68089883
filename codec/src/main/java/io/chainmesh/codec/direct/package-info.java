/**
 * The {@code DIRECT} frame: a routed point-to-point message, read and written by flyweights.
 */
package io.chainmesh.codec.direct;
