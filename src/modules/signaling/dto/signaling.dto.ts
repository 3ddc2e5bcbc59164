import { IsObject, IsUUID, ValidationArguments, ValidatorConstraint, ValidatorConstraintInterface, Validate } from 'class-validator';
import type { SignalData } from '../../../contracts/socket-events';

/** Relayed WebRTC objects: an SDP offer is a few KB, a candidate a few hundred bytes. */
export const MAX_SIGNAL_BYTES = 16 * 1024;
export const MAX_SIGNAL_DEPTH = 32;

/**
 * An opaque object small and shallow enough to relay: at most 32 levels deep
 * and 16 KB as JSON. The depth is measured without recursion before anything
 * serialises it, so a hostile 30,000-level object is refused here instead of
 * overflowing the stack of an encoder later.
 */
@ValidatorConstraint({ name: 'isRelayableObject' })
export class IsRelayableObject implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    // Not an object: IsObject says so.
    if (typeof value !== 'object' || value === null) return true;
    if (depthOf(value) > MAX_SIGNAL_DEPTH) return false;
    return Buffer.byteLength(JSON.stringify(value)) <= MAX_SIGNAL_BYTES;
  }

  defaultMessage({ property }: ValidationArguments): string {
    return `${property} must be at most ${MAX_SIGNAL_DEPTH} levels deep and ${MAX_SIGNAL_BYTES} bytes as JSON`;
  }
}

/** Nesting depth of a JSON value (a scalar is 0, `{}` is 1), walked iteratively; stops counting past the limit. */
export function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > MAX_SIGNAL_DEPTH) return deepest;
    for (const child of Object.values(node)) if (typeof child === 'object' && child !== null) stack.push([child, level]);
  }
  return deepest;
}

/**
 * Signaling payloads. The WebRTC parts (`signalData`, `candidate`) are opaque
 * objects relayed as they are, within the size and depth limits above.
 */
export class TargetUserDto {
  @IsUUID()
  targetUserId!: string;
}

export class CallUserDto extends TargetUserDto {
  @IsObject()
  @Validate(IsRelayableObject)
  signalData!: SignalData;
}

export class AnswerCallDto extends TargetUserDto {
  @IsObject()
  @Validate(IsRelayableObject)
  signalData!: SignalData;
}

export class IceCandidateDto extends TargetUserDto {
  @IsObject()
  @Validate(IsRelayableObject)
  candidate!: Record<string, unknown>;
}
