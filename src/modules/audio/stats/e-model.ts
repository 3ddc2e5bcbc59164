/**
 * Simplified ITU-T G.107 E-model (the Cole–Rosenbluth reduction used by VoIP
 * monitors), from measured one-way delay and packet loss to a 0..1 score.
 * docs/audio-stats.md derives every constant.
 */

/** R with every default G.107 parameter and no impairment (Ro − Is). */
export const R_DEFAULT = 93.2;
/** Codec impairment and packet-loss robustness: G.113 Appendix I values for G.711 with packet-loss concealment. */
export const IE_CODEC = 0;
export const BPL = 25.1;

/** Delay impairment Id for a one-way mouth-to-ear delay in ms. */
export function delayImpairment(oneWayDelayMs: number): number {
  const d = Math.max(0, oneWayDelayMs);
  return 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
}

/** Effective equipment impairment Ie,eff for a loss rate in 0..1 (random loss, BurstR = 1). */
export function lossImpairment(lossRate: number): number {
  const ppl = Math.min(1, Math.max(0, lossRate)) * 100;
  return IE_CODEC + (95 - IE_CODEC) * (ppl / (ppl + BPL));
}

export function rFactor(oneWayDelayMs: number, lossRate: number): number {
  return R_DEFAULT - delayImpairment(oneWayDelayMs) - lossImpairment(lossRate);
}

/** G.107 Annex B: R to estimated MOS (1..4.5). */
export function mosFromR(r: number): number {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r);
}

/** MOS 1..4.5 mapped linearly to 0..1. */
export function qualityScore(oneWayDelayMs: number, lossRate: number): number {
  return (mosFromR(rFactor(oneWayDelayMs, lossRate)) - 1) / 3.5;
}
