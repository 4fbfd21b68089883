/**
 * What the node's JSON readers (the application API's control frames, FluxOS envelopes) share.
 */
package io.chainmesh.node.json;
