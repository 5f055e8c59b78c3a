/**
 * APPEND: RFC 9051 §6.3.12, RFC 4315 §3 (APPENDUID), RFC 3516 §4.4 (literal8), RFC 6855 §4 (UTF8),
 * RFC 7888 (LITERAL+). The literal's size was checked against [imap] max_message_size before a
 * single octet was read (the reader refuses it with TOOBIG); its octets were streamed into the
 * session's spool as they arrived (mailbox/append-spool.ts: memory up to limits.memory_spool_bytes,
 * then a file). The message goes through the ingest path, so it is durable on OK and its
 * structure is stored like a delivered message's.
 */
import { checkFlags } from '../../mailbox/flags.ts';
import { bad, no, ok, type Cmd, type Ctx, type Done } from '../context.ts';
import { nameOrBad } from './errors.ts';

export async function append(ctx: Ctx, cmd: Cmd<'APPEND'>): Promise<Done> {
  const n = nameOrBad(ctx, cmd.mailbox);
  if ('done' in n) return n.done;
  const checked = checkFlags(cmd.flags);
  if (!checked.ok) return bad(checked.reason);
  if (cmd.size === 0) return no('An empty message cannot be appended', { code: 'CANNOT' });
  const mail = ctx.mail!;
  const mb = await mail.find(n.name);
  if (!mb) return no('No such mailbox', { code: 'TRYCREATE' });
  const upload = ctx.upload;
  if (upload?.size !== cmd.size) throw new Error(`APPEND literal of ${cmd.size} octets but ${upload?.size ?? 0} spooled`);
  const uid = await mail.append(mb, await upload.finish(), checked.flags, cmd.date?.date.getTime() ?? Date.now());
  ctx.log.info({ mailbox: mb.name, uid, size: cmd.size, spooled: upload.onDisk }, 'imap append');
  return ok('APPEND completed', { code: 'APPENDUID', uidValidity: mb.uidValidity, uids: String(uid) });
}
