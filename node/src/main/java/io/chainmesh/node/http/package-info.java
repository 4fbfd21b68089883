/** The node's loopback HTTP status server and its Prometheus text rendering. */
package io.chainmesh.node.http;
