/**
 * The deterministic node list as chainmesh sees it: {@link io.chainmesh.chain.Member}s in an
 * immutable, ordered {@link io.chainmesh.chain.DirectorySnapshot}, published by a
 * {@link io.chainmesh.chain.DirectorySource} (fluxd JSON-RPC, a JSON file, or the embedded devnet chain).
 */
package io.chainmesh.chain;
