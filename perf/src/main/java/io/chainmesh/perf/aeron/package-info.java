/** The Aeron baseline: UDP unicast on 127.0.0.1 through an embedded media driver, same payload sizes as chainmesh. */
package io.chainmesh.perf.aeron;
