import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Env } from '../../config/env.validation';

/** Checks `X-API-Key` against SERVICE_API_KEY in constant time; with no key configured, nothing matches. */
@Injectable()
export class ServiceKeyVerifier {
  private readonly expected?: Buffer;

  constructor(config: ConfigService<Env, true>) {
    const key = config.get('SERVICE_API_KEY', { infer: true });
    this.expected = key ? digest(key) : undefined;
  }

  matches(presented: string): boolean {
    // Comparing fixed-length digests hides the key's length as well as its content.
    return this.expected !== undefined && timingSafeEqual(digest(presented), this.expected);
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
