import { test } from "node:test";
import assert from "node:assert/strict";
import { checkApiKey, checkHostAndOrigin, hostName } from "../../../server/http/guard";
import { isLoopbackHost } from "../../../server/http/loopback";
import { FaroError } from "../../../server/errors";

const status = (fn: () => void) => {
  try {
    fn();
    return 200;
  } catch (err) {
    assert.ok(err instanceof FaroError);
    return err.status;
  }
};

test("loopback names and addresses", () => {
  for (const h of ["localhost", "LOCALHOST", "a.localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1", "::ffff:127.0.0.1"]) assert.ok(isLoopbackHost(h), h);
  for (const h of ["localhost.example", "10.0.0.1", "0.0.0.0", "example.com", "[::2]", "128.0.0.1"]) assert.equal(isLoopbackHost(h), false, h);
});

test("hostName strips the port, keeps IPv6 brackets", () => {
  assert.equal(hostName("localhost:4891"), "localhost");
  assert.equal(hostName("[::1]:4891"), "[::1]");
  assert.equal(hostName("127.0.0.1"), "127.0.0.1");
});

test("Host and Origin rules", () => {
  const opts = { host: "127.0.0.1", allowedOrigins: ["http://localhost:3000"], apiKey: null };
  assert.equal(status(() => checkHostAndOrigin({ host: "localhost:1" }, opts)), 200);
  assert.equal(status(() => checkHostAndOrigin({ host: "evil.com:1" }, opts)), 403);
  assert.equal(status(() => checkHostAndOrigin({}, opts)), 403);
  assert.equal(status(() => checkHostAndOrigin({ host: "localhost", origin: "http://localhost:3000" }, opts)), 200);
  assert.equal(status(() => checkHostAndOrigin({ host: "localhost", origin: "http://localhost:3001" }, opts)), 403);
  assert.equal(status(() => checkHostAndOrigin({ host: "localhost", origin: "null" }, opts)), 403);
  // Bound to all interfaces (key required): IP literals are fine, DNS names still are not.
  const wide = { ...opts, host: "0.0.0.0", apiKey: "k" };
  assert.equal(status(() => checkHostAndOrigin({ host: "192.168.1.4:4891" }, wide)), 200);
  assert.equal(status(() => checkHostAndOrigin({ host: "rebind.evil.com" }, wide)), 403);
});

test("API key: Bearer or x-api-key, exact match only", () => {
  assert.equal(status(() => checkApiKey({}, null)), 200);
  assert.equal(status(() => checkApiKey({}, "k1")), 401);
  assert.equal(status(() => checkApiKey({ authorization: "Bearer k1" }, "k1")), 200);
  assert.equal(status(() => checkApiKey({ authorization: "bearer k1" }, "k1")), 200);
  assert.equal(status(() => checkApiKey({ "x-api-key": "k1" }, "k1")), 200);
  assert.equal(status(() => checkApiKey({ authorization: "Bearer k12" }, "k1")), 401);
  assert.equal(status(() => checkApiKey({ authorization: "Basic k1" }, "k1")), 401);
});

test("API key: an Authorization header without 'Bearer ' is named as such, not as a missing key", () => {
  for (const authorization of ["k1", "secret123", "Basic k1", "Bearer"]) {
    assert.throws(
      () => checkApiKey({ authorization }, "k1"),
      (err: unknown) => {
        assert.ok(err instanceof FaroError);
        assert.equal(err.status, 401);
        assert.equal(err.code, "invalid_authorization_header");
        assert.match(err.message, /must be 'Authorization: Bearer <key>'/);
        assert.doesNotMatch(err.message, /didn't provide/);
        return true;
      },
      authorization,
    );
  }
  // x-api-key still counts when Authorization is something else (a proxy's own Basic auth, say).
  assert.equal(status(() => checkApiKey({ authorization: "Basic xyz", "x-api-key": "k1" }, "k1")), 200);
});
