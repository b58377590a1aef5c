import { type association as dimseAssociation, constants } from 'dcmjs-dimse';
import { TransferSyntax } from '../imaging/dicom-file.constants';
import { ACCEPTED_STORAGE_SOP_CLASSES, QUERY_SOP_CLASSES, TRANSFER_SYNTAX_PREFERENCE, VERIFICATION_SOP_CLASS } from './dicom.constants';

type PresentationContext = dimseAssociation.PresentationContext;

/** Picks the syntax Osteon prefers among those the modality proposed. */
export function chooseTransferSyntax(proposed: readonly string[]): string | undefined {
  return TRANSFER_SYNTAX_PREFERENCE.find((syntax) => proposed.includes(syntax));
}

/** Queries are small: plain little endian only, explicit preferred. */
const QUERY_TRANSFER_SYNTAXES = [TransferSyntax.ExplicitVrLittleEndian, TransferSyntax.ImplicitVrLittleEndian];

/** Accepts the context with the syntax Osteon prefers, or rejects it with the reason (PS3.8 9.3.3.2). */
export function negotiatePresentationContext(context: PresentationContext): void {
  const abstractSyntax = context.getAbstractSyntaxUid();
  if (QUERY_SOP_CLASSES.has(abstractSyntax)) {
    const proposed = context.getTransferSyntaxUids();
    const chosen = QUERY_TRANSFER_SYNTAXES.find((syntax) => proposed.includes(syntax));
    if (chosen) context.setResult(constants.PresentationContextResult.Accept, chosen);
    else context.setResult(constants.PresentationContextResult.RejectTransferSyntaxesNotSupported);
    return;
  }
  if (abstractSyntax !== VERIFICATION_SOP_CLASS && !ACCEPTED_STORAGE_SOP_CLASSES.has(abstractSyntax)) {
    context.setResult(constants.PresentationContextResult.RejectAbstractSyntaxNotSupported);
    return;
  }
  const chosen = chooseTransferSyntax(context.getTransferSyntaxUids());
  if (chosen) context.setResult(constants.PresentationContextResult.Accept, chosen);
  else context.setResult(constants.PresentationContextResult.RejectTransferSyntaxesNotSupported);
}
