import { parsePolicy, PolicyError } from '@portico/iam';

/**
 * Identity policies as a caller writes them: a list of policy documents, each an object or its
 * JSON text (as IAM takes them), or the JSON text of such a list or of one document. Each is
 * checked as the gateway will read it; `fail` makes the error for a message naming the place.
 */
export function policyDocuments(value: unknown, at: string, fail: (m: string) => Error): object[] {
  let list = value;
  if (typeof value === 'string') {
    list = jsonOf(value, at, fail);
    if (list !== null && typeof list === 'object' && !Array.isArray(list)) list = [list];
  }
  if (!Array.isArray(list)) throw fail(`${at} must be a list of policy documents`);
  return list.map((item: unknown, i) => {
    const where = `${at}[${i}]`;
    const doc = typeof item === 'string' ? jsonOf(item, where, fail) : item;
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      throw fail(`${where} must be a policy document (a JSON object)`);
    }
    try {
      parsePolicy(doc);
    } catch (err) {
      if (err instanceof PolicyError) throw fail(`${where}: ${err.message}`);
      throw err;
    }
    return doc;
  });
}

function jsonOf(text: string, at: string, fail: (m: string) => Error): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw fail(`${at} is not valid JSON`);
  }
}
