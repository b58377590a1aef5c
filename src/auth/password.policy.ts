import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

// zxcvbn-ts estimates how many guesses a password takes against common-password lists
// (49,000 entries), keyboard patterns, repeats, sequences, dates and the user's own inputs.
// Score 3 = more than 10^8 guesses: "safely unguessable" for an online attack with throttling.
const MINIMUM_SCORE = 3;
const estimator = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });

/**
 * Why a password is refused, or undefined when it is acceptable. Refused: one containing the
 * username (in any case), and one zxcvbn rates easy to guess (a common password, a repeated
 * or sequential pattern such as `aaaaaaaaaaaa` or `123456789012`, keyboard walks).
 */
export function passwordProblem(password: string, username: string, displayName = ''): string | undefined {
  const lower = password.toLowerCase();
  const name = username.toLowerCase();
  const local = name.split('@')[0] ?? name;
  if ((name.length >= 3 && lower.includes(name)) || (local.length >= 3 && lower.includes(local))) {
    return 'must not contain the username';
  }
  const result = estimator.check(
    password,
    [username, local, displayName].filter((input) => input.length > 0),
  );
  if (result.score >= MINIMUM_SCORE) return undefined;
  // Without a translation package the warning is a key such as `simpleRepeat`: spell it as words.
  const key = result.feedback.warning ?? '';
  const warning = key ? ` (${key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()})` : '';
  return `is too easy to guess${warning}: use a longer passphrase of unrelated words`;
}
