/** An UpdateItem's expression with the placeholders it uses. */
export interface UpdateParts {
  UpdateExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

/** Clauses written out by the caller (e.g. counters), added to the SET part as they are. */
export interface RawSetClauses {
  sets: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
}

/**
 * `SET #s0 = :s0, … REMOVE #r0, …` for the given attributes, every name and value behind a
 * placeholder (so reserved words such as `status` need no care). An attribute set to undefined is
 * removed: the DocumentClient cannot marshal undefined, and "no value" means "not stored".
 */
export function buildUpdate(
  set: Record<string, unknown>,
  remove: readonly string[] = [],
  raw?: RawSetClauses,
): UpdateParts {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes = remove.map((attr, i) => {
    names[`#r${i}`] = attr;
    return `#r${i}`;
  });
  Object.entries(set).forEach(([attr, value], i) => {
    names[`#s${i}`] = attr;
    if (value === undefined) {
      removes.push(`#s${i}`);
      return;
    }
    values[`:s${i}`] = value;
    sets.push(`#s${i} = :s${i}`);
  });
  if (raw) {
    sets.push(...raw.sets);
    Object.assign(names, raw.names);
    Object.assign(values, raw.values);
  }
  return {
    UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}
