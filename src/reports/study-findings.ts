import type { AnalysedImage, BodyPart, CountClass, StudyFindings } from './findings';
import { urgencyOf, type UrgencyRules } from './urgency.policy';

const COUNT_ORDER: readonly CountClass[] = ['0', '1', '2+'];

/**
 * Study-level draft from per-image findings: the study is positive when any image is; its
 * probability, count class and body part come from the most suspicious image (views of one
 * fracture are not added up).
 */
export function studyFindingsOf(images: readonly AnalysedImage[], rules: UrgencyRules): StudyFindings {
  if (images.length === 0) throw new Error('a study needs at least one analysed image');
  const mostSuspicious = [...images].sort((a, b) => b.findings.fractureProbability - a.findings.fractureProbability)[0] as AnalysedImage;
  const fracture = images.some((image) => image.findings.fracture);
  const positives = images.filter((image) => image.findings.fracture);
  const countClass: CountClass = fracture
    ? positives.reduce<CountClass>((worst, image) => {
        const candidate = image.findings.countClass === '0' ? '1' : image.findings.countClass;
        return COUNT_ORDER.indexOf(candidate) > COUNT_ORDER.indexOf(worst) ? candidate : worst;
      }, '1')
    : '0';
  const bodyPart: BodyPart = mostSuspicious.findings.bodyPart;
  return {
    fracture,
    probability: mostSuspicious.findings.fractureProbability,
    countClass,
    bodyPart,
    urgency: urgencyOf(fracture, countClass, bodyPart, rules),
  };
}
