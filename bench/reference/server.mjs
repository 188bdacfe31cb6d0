// The bare-stack reference: the thinnest server doing the product's message job with the same parts
// (Fastify + socket.io + pg), no framework. Same tables and indexes (the product's migrations),
// a trivial token map instead of JWTs, group commit, ack only after commit, then emit to the room.
// It answers the same `message:send` event, so the same load generator drives both.
import { randomBytes, randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';
import { Server } from 'socket.io';

const port = Number(process.env.PORT ?? 3100);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
pg.defaults.parseInt8 = true;
const tokens = new Map(); // token -> userId
const memberships = new Map(); // userId -> [{ chatId, topic }]

const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });

// Bench set-up: users, direct chats and groups straight into the tables.
app.post('/setup', async (request) => {
  const { users, directPairs, groups } = request.body;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const created = await client.query(
      `INSERT INTO users (username, display_name, password_hash)
       SELECT u, u, 'reference' FROM unnest($1::varchar[]) AS u RETURNING id`,
      [users],
    );
    const ids = created.rows.map((row) => row.id);
    const session = ids.map((id) => {
      const token = randomBytes(16).toString('hex');
      tokens.set(token, id);
      memberships.set(id, []);
      return { id, token };
    });
    const chats = async (type, memberLists) => {
      const result = [];
      for (const members of memberLists) {
        const [low, high] = type === 'direct' ? [...members].sort((a, b) => a - b) : [null, null];
        const topic = `chat:${randomUUID()}`;
        const chat = await client.query(
          `INSERT INTO chat_sessions (type, name, topic, user_1_id, user_2_id) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          [type, type === 'group' ? 'bench' : null, topic, low, high],
        );
        const chatId = chat.rows[0].id;
        await client.query(
          `INSERT INTO chat_participants (chat_id, user_id) SELECT $1, unnest($2::int[])`,
          [chatId, members],
        );
        for (const member of members) memberships.get(member).push({ chatId, topic });
        result.push({ id: chatId, members });
      }
      return result;
    };
    const direct = await chats(
      'direct',
      directPairs.map(([a, b]) => [ids[a], ids[b]]),
    );
    const group = await chats(
      'group',
      groups.map((members) => members.map((i) => ids[i])),
    );
    await client.query('COMMIT');
    return { users: session, chats: [...direct, ...group] };
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
});

await app.ready();
const io = new Server(app.server, { path: '/socket.io', serveClient: false });

io.use((socket, next) => {
  const userId = tokens.get(socket.handshake.auth?.token);
  if (!userId) return next(new Error('invalid token'));
  socket.data.userId = userId;
  socket.data.topics = new Map(memberships.get(userId).map(({ chatId, topic }) => [chatId, topic]));
  socket.join([...socket.data.topics.values()]);
  next();
});

let queue = [];
let flushing = false;

io.on('connection', (socket) => {
  socket.on('message:send', (payload, ack) => {
    const topic = socket.data.topics.get(payload?.chatId);
    if (typeof ack !== 'function') return;
    if (!topic || typeof payload.body !== 'string')
      return ack({ ok: false, error: { code: 'BAD' } });
    queue.push({ senderId: socket.data.userId, topic, ...payload, ack });
    if (!flushing) void drain();
  });
});

async function drain() {
  flushing = true;
  while (queue.length > 0) {
    const batch = queue;
    queue = [];
    try {
      const messages = await store(batch);
      batch.forEach((send, i) => {
        send.ack({ ok: true, message: messages[i] });
        io.to(send.topic).emit('message:new', messages[i]);
      });
    } catch (error) {
      for (const send of batch)
        send.ack({ ok: false, error: { code: 'INTERNAL', message: String(error) } });
    }
  }
  flushing = false;
}

async function store(batch) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const chatIds = [...new Set(batch.map((send) => send.chatId))].sort((a, b) => a - b);
    const locked = await client.query(
      'SELECT id, last_seq, last_rev FROM chat_sessions WHERE id = ANY($1) ORDER BY id FOR UPDATE',
      [chatIds],
    );
    // The same tables as the product: each message also takes the chat's next rev.
    const counters = new Map(
      locked.rows.map((row) => [row.id, { seq: row.last_seq, rev: row.last_rev }]),
    );
    const rows = batch.map((send) => {
      const last = counters.get(send.chatId);
      const next = { seq: last.seq + 1, rev: last.rev + 1 };
      counters.set(send.chatId, next);
      return { ...send, ...next };
    });
    const inserted = await client.query(
      `INSERT INTO messages (chat_id, seq, sender_id, body, client_message_id, rev)
       SELECT * FROM unnest($1::int[], $2::bigint[], $3::int[], $4::text[], $5::varchar[], $6::bigint[])
       RETURNING id, created_at`,
      [
        rows.map((r) => r.chatId),
        rows.map((r) => r.seq),
        rows.map((r) => r.senderId),
        rows.map((r) => r.body),
        rows.map((r) => r.clientMessageId),
        rows.map((r) => r.rev),
      ],
    );
    const messages = rows.map((r, i) => ({
      id: inserted.rows[i].id,
      chatId: r.chatId,
      seq: r.seq,
      rev: r.rev,
      senderId: r.senderId,
      body: r.body,
      clientMessageId: r.clientMessageId,
      createdAt: inserted.rows[i].created_at.toISOString(),
      editedAt: null,
      deletedAt: null,
    }));
    const newest = new Map(messages.map((m) => [m.chatId, m]));
    await client.query(
      `UPDATE chat_sessions c SET last_seq = v.seq, last_rev = v.rev, last_message = v.msg, last_activity_at = now()
         FROM unnest($1::int[], $2::bigint[], $4::bigint[], $3::jsonb[]) AS v(id, seq, rev, msg) WHERE c.id = v.id`,
      [
        [...newest.keys()],
        [...newest.values()].map((m) => m.seq),
        [...newest.values()].map((m) => JSON.stringify(m)),
        [...newest.values()].map((m) => m.rev),
      ],
    );
    await client.query('COMMIT');
    return messages;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`reference listening on ${port}\n`);
process.on('SIGTERM', async () => {
  io.close();
  await pool.end();
  process.exit(0);
});
