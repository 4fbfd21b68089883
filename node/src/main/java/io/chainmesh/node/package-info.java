/**
 * The runnable chainmesh application: picocli commands, devnet runner, daemon mode, HTTP status.
 */
package io.chainmesh.node;
