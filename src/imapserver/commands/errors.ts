/** Mailbox-operation failures (mailbox/user-mailboxes.ts) as tagged NO responses with RFC 5530 codes. */
import type { OpFailure } from '../../mailbox/user-mailboxes.ts';
import { bad, no, type Ctx, type Done } from '../context.ts';

export function failure(f: OpFailure): Done {
  switch (f.reason) {
    case 'nonexistent':
      return no(f.text, { code: 'NONEXISTENT' });
    case 'exists':
      return no(f.text, { code: 'ALREADYEXISTS' });
    case 'haschildren':
      return no(f.text, { code: 'HASCHILDREN' });
    case 'limit':
      return no(f.text, { code: 'LIMIT' });
    case 'inbox':
    case 'invalid':
      return no(f.text, { code: 'CANNOT' });
  }
}

/** The name a client wrote, decoded; or the BAD to answer when it is not valid modified UTF-7. */
export function nameOrBad(ctx: Ctx, wire: string): { name: string } | { done: Done } {
  const name = ctx.mailboxName(wire);
  return name === null ? { done: bad('Invalid mailbox name: not valid modified UTF-7 (RFC 3501 §5.1.3)') } : { name };
}

export const NO_SUCH_MAILBOX = (): Done => no('No such mailbox', { code: 'NONEXISTENT' });
