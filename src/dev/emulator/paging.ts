/** `MaxResults`/`NextToken` paging over a list, with an opaque token that encodes the next offset. */
import { ConnectError } from './protocol';

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

export function paginate<T>(items: readonly T[], maxResults: number, nextToken: string | undefined): Page<T> {
  const offset = nextToken === undefined ? 0 : decodeOffset(nextToken);
  const end = offset + maxResults;
  return {
    items: items.slice(offset, end),
    ...(end < items.length ? { nextToken: Buffer.from(`offset:${end}`).toString('base64url') } : {}),
  };
}

function decodeOffset(token: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw new ConnectError('InvalidParameterException', 'NextToken is not valid');
  return Number(match[1]);
}
