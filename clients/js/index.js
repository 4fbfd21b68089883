'use strict';
// Client of a chainmesh node's application API (see node/README.md, "Application API").
// One binary WebSocket message is one frame: an 8-byte big-endian header (type u8, flags u8, topic u16,
// correlation id u32) and a body that depends on the type.

const { EventEmitter } = require('events');
const WebSocket = require('ws');

const TYPE = { PUBLISH: 0x01, SEND: 0x02, SUBSCRIBE: 0x03, UNSUBSCRIBE: 0x04, RESULT: 0x81, DELIVERY: 0x82 };
const FLAG_DIRECT = 0x01;
const HEADER_LENGTH = 8;
const STATUS = {
  OK: 0,
  BACK_PRESSURED: -1,
  NO_ROUTE: -2,
  CLOSED: -3,
  MESSAGE_TOO_LARGE: -4,
  NOT_CONNECTED: -5,
  UNKNOWN_MEMBER: -16,
  SUBSCRIPTION_LIMIT: -17,
};
const STATUS_NAMES = Object.fromEntries(Object.entries(STATUS).map(([name, code]) => [code, name]));
// Statuses worth retrying later: the node is busy or not linked yet.
const RETRIABLE = new Set([STATUS.BACK_PRESSURED, STATUS.NOT_CONNECTED, STATUS.NO_ROUTE]);

/**
 * A connection to one node. Events: 'message' ({member, topic, direct, payload: Buffer}),
 * 'dropped' ({count, total}), 'error' (Error or a node error object), 'close' (code, reason).
 */
class ChainmeshClient extends EventEmitter {
  constructor(socket, hello) {
    super();
    this.socket = socket;
    this.hello = hello;
    this.member = hello.member;
    this.nextId = 1;
    this.pending = new Map();
    this.pendingControl = new Map();
    socket.on('message', (data, isBinary) => this._onMessage(data, isBinary));
    socket.on('close', (code, reason) => {
      const error = new Error(`connection closed: ${code} ${reason}`);
      for (const { reject } of this.pending.values()) reject(error);
      for (const { reject } of this.pendingControl.values()) reject(error);
      this.pending.clear();
      this.pendingControl.clear();
      this.emit('close', code, reason.toString());
    });
    socket.on('error', (error) => this.emit('error', error));
  }

  /**
   * Connects with `Authorization: Bearer <token>` and waits for the node's hello.
   * @param {string} url ws://127.0.0.1:port/v1
   * @param {{token: string}} options
   * @returns {Promise<ChainmeshClient>}
   */
  static connect(url, { token }) {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, ['chainmesh.v1'], { headers: { Authorization: `Bearer ${token}` } });
      socket.binaryType = 'nodebuffer';
      const fail = (error) => reject(error);
      socket.once('error', fail);
      socket.once('unexpected-response', (request, response) => {
        reject(new Error(`${url} refused the connection: HTTP ${response.statusCode}`));
        request.destroy();
      });
      socket.once('message', (data, isBinary) => {
        socket.off('error', fail);
        if (isBinary) {
          reject(new Error('expected a hello text frame first'));
          socket.terminate();
          return;
        }
        resolve(new ChainmeshClient(socket, JSON.parse(data.toString('utf8'))));
      });
    });
  }

  /** Broadcasts `payload` on `topic`. Resolves with the status name ('OK', 'BACK_PRESSURED', ...). */
  publish(topic, payload) {
    return this._request(TYPE.PUBLISH, topic, Buffer.from(payload));
  }

  /** Sends `payload` on `topic` to one member, named `txhash:index`. Resolves with the status name. */
  send(member, topic, payload) {
    const name = Buffer.from(member, 'ascii');
    if (name.length > 255) throw new RangeError(`member name of ${name.length} bytes`);
    return this._request(TYPE.SEND, topic, Buffer.concat([Buffer.from([name.length]), name, Buffer.from(payload)]));
  }

  /** Retries publish/send while the node answers with a retriable status, up to `timeoutMs`. */
  async untilAccepted(attempt, timeoutMs = 10000) {
    const deadline = Date.now() + timeoutMs;
    let backoff = 1;
    for (;;) {
      const status = await attempt();
      if (status === 'OK') return status;
      if (!RETRIABLE.has(STATUS[status]) || Date.now() > deadline) return status;
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(100, backoff * 2);
    }
  }

  /** Delivers `topic`'s messages as 'message' events. Resolves with the status name. */
  subscribe(topic) {
    return this._request(TYPE.SUBSCRIBE, topic, Buffer.alloc(0));
  }

  /** Stops delivering `topic`. */
  unsubscribe(topic) {
    return this._request(TYPE.UNSUBSCRIBE, topic, Buffer.alloc(0));
  }

  /** The node's status (JSON). */
  status() {
    return this._control('status');
  }

  /** The directory's members (JSON), each named `txhash:index`. */
  members() {
    return this._control('members');
  }

  close() {
    this.socket.close(1000, 'bye');
  }

  _request(type, topic, body) {
    if (!Number.isInteger(topic) || topic < 0 || topic > 0xfeff) {
      return Promise.reject(new RangeError(`topic=${topic} must be an integer in [0, 65279]`));
    }
    const id = this.nextId;
    this.nextId = this.nextId === 0xffffffff ? 1 : this.nextId + 1;
    const frame = Buffer.allocUnsafe(HEADER_LENGTH + body.length);
    frame.writeUInt8(type, 0);
    frame.writeUInt8(0, 1);
    frame.writeUInt16BE(topic, 2);
    frame.writeUInt32BE(id, 4);
    body.copy(frame, HEADER_LENGTH);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(frame, { binary: true }, (error) => {
        if (error) {
          this.pending.delete(id);
          reject(error);
        }
      });
    });
  }

  _control(op) {
    const id = `${op}-${this.nextId++}`;
    return new Promise((resolve, reject) => {
      this.pendingControl.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ op, id }));
    });
  }

  _onMessage(data, isBinary) {
    if (!isBinary) {
      const message = JSON.parse(data.toString('utf8'));
      if (message.id !== undefined && this.pendingControl.has(message.id)) {
        const { resolve } = this.pendingControl.get(message.id);
        this.pendingControl.delete(message.id);
        resolve(message);
      } else if (message.type === 'dropped') {
        this.emit('dropped', message);
      } else if (message.type === 'error') {
        const pending = this.pending.get(message.correlationId);
        if (pending) {
          this.pending.delete(message.correlationId);
          pending.reject(new Error(`${message.code}: ${message.message}`));
        } else {
          this.emit('error', message);
        }
      }
      return;
    }
    if (data.length < HEADER_LENGTH) return;
    const type = data.readUInt8(0);
    const flags = data.readUInt8(1);
    const topic = data.readUInt16BE(2);
    if (type === TYPE.RESULT) {
      const id = data.readUInt32BE(4);
      const status = data.readInt32BE(HEADER_LENGTH);
      const pending = this.pending.get(id);
      if (pending) {
        this.pending.delete(id);
        pending.resolve(STATUS_NAMES[status] || `UNKNOWN(${status})`);
      }
    } else if (type === TYPE.DELIVERY) {
      const memberLength = data.readUInt8(HEADER_LENGTH);
      const payloadOffset = HEADER_LENGTH + 1 + memberLength;
      this.emit('message', {
        member: data.toString('ascii', HEADER_LENGTH + 1, payloadOffset),
        topic,
        direct: (flags & FLAG_DIRECT) !== 0,
        payload: data.subarray(payloadOffset),
      });
    }
  }
}

module.exports = { ChainmeshClient, STATUS, TYPE };
