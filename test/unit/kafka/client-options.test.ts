import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AuthenticationError,
  MultipleErrors,
  NetworkError,
  ProtocolError,
  ResponseError,
} from '@platformatic/kafka';
import { retryDelay } from '../../../src/kafka/client-options.ts';

// The retry hook every client shares: stale metadata is forgotten before the next attempt, so a
// request that met NOT_LEADER_OR_FOLLOWER asks the cluster who leads now instead of going back to
// the broker that refused it (issue 27).

function client() {
  const calls = { cleared: 0 };
  return { calls, clearMetadata: () => void calls.cleared++ };
}

/** A produce answer with NOT_LEADER_OR_FOLLOWER (code 6) for one partition, as the client nests it. */
function notLeader(): Error {
  const response = new ResponseError(0, 11, { '/responses/0/partition_responses/0': [6, null] }, {});
  return new MultipleErrors('produce failed 2 times.', [new NetworkError('Connection closed'), response]);
}

test('an answer naming stale metadata anywhere in its tree clears the metadata before the retry', () => {
  const c = client();
  const delay = retryDelay(() => 250)(c, 'produce', 3, 40, notLeader());
  assert.equal(delay, 250);
  assert.equal(c.calls.cleared, 1);
});

test('nested under a cause too', () => {
  const c = client();
  const stale = new ProtocolError('NOT_LEADER_OR_FOLLOWER');
  assert.equal(stale.hasStaleMetadata, true, 'the client marks NOT_LEADER_OR_FOLLOWER as stale metadata');
  retryDelay(() => 1)(c, 'commit', 1, 5, new NetworkError('wrapped', { cause: stale }));
  assert.equal(c.calls.cleared, 1);
});

test('other errors keep the metadata (the client refreshes it itself after network errors)', () => {
  const c = client();
  assert.equal(retryDelay(() => 500)(c, 'fetch', 1, 5, new NetworkError('Connection closed')), 500);
  assert.equal(retryDelay(() => 500)(c, 'commit', 1, 5, new ProtocolError('COORDINATOR_NOT_AVAILABLE')), 500);
  assert.equal(c.calls.cleared, 0);
});

test('refused credentials are retried at once, and a client without metadata is left alone', () => {
  const c = client();
  const refused = new NetworkError('auth', { cause: new AuthenticationError('SASL authentication failed.') });
  assert.equal(retryDelay(() => 500)(c, 'metadata', 1, 5, refused), 0);
  assert.equal(retryDelay(() => 7)({}, 'produce', 1, 5, notLeader()), 7);
});
