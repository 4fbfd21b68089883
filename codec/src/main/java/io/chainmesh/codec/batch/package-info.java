/**
 * The signed {@code BATCH} frame: zero-allocation encoder and decoder flyweights, and the signer and
 * verifier of its ECDSA signature.
 */
package io.chainmesh.codec.batch;
