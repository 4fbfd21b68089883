/**
 * FluxOS's own broadcast messages: their JSON envelope, checked as FluxOS checks it (signature over the text FluxOS
 * signs, freshness window) so that a bridge can carry them unchanged.
 */
package io.chainmesh.node.flux;
