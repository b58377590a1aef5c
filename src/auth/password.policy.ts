import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

// zxcvbn-ts estimates how many guesses a password takes against common-password lists
// (49,000 entries), keyboard patterns, repeats, sequences, dates and the user's own inputs.
// Score 3 = more than 10^8 guesses: "safely unguessable" for an online attack with throttling.
const MINIMUM_SCORE = 3;
let estimator: Promise<ZxcvbnFactory> | undefined;

/**
 * Loaded on the first password set, not at start: the word lists and the ranked dictionaries built
 * from them are ~6 MB of the main thread's heap (measured), held for good by an engine that may never
 * create a user (issue 21: the engine's resident memory).
 */
function estimatorOf(): Promise<ZxcvbnFactory> {
  estimator ??= Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common')]).then(
    ([core, language]) => new core.ZxcvbnFactory({ dictionary: language.dictionary, graphs: language.adjacencyGraphs }),
  );
  return estimator;
}

/**
 * Why a password is refused, or undefined when it is acceptable. Refused: one containing the
 * username (in any case), and one zxcvbn rates easy to guess (a common password, a repeated
 * or sequential pattern such as `aaaaaaaaaaaa` or `123456789012`, keyboard walks).
 */
export async function passwordProblem(password: string, username: string, displayName = ''): Promise<string | undefined> {
  const lower = password.toLowerCase();
  const name = username.toLowerCase();
  const local = name.split('@')[0] ?? name;
  if ((name.length >= 3 && lower.includes(name)) || (local.length >= 3 && lower.includes(local))) {
    return 'must not contain the username';
  }
  const result = (await estimatorOf()).check(
    password,
    [username, local, displayName].filter((input) => input.length > 0),
  );
  if (result.score >= MINIMUM_SCORE) return undefined;
  // Without a translation package the warning is a key such as `simpleRepeat`: spell it as words.
  const key = result.feedback.warning ?? '';
  const warning = key ? ` (${key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()})` : '';
  return `is too easy to guess${warning}: use a longer passphrase of unrelated words`;
}
