import { randomBytes } from 'node:crypto';
import { PASSWORD_RULES } from '../common/validation/password-policy';
import { parseTrustProxy } from './trust-proxy';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBooleanString, IsIn, IsInt, IsNumber, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength, validateSync } from 'class-validator';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const blankToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * Every environment variable the service reads, with its default. Documented in
 * .env.example; validated once at startup, the failure naming every bad variable.
 */
export class EnvDto {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsString()
  HOST = '0.0.0.0';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** Also serve /ws on this port (0: a port the OS picks, for tests). */
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  WS_PORT?: number;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /** Largest accepted JSON request body. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(10 * 1024 * 1024)
  BODY_LIMIT_BYTES = 100 * 1024;

  /**
   * The proxies whose X-Forwarded-For is believed (a hop count, or addresses, CIDR ranges and
   * loopback/linklocal/uniquelocal, comma-separated). Unset: none, the client IP is the socket address.
   */
  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  /** Comma-separated allow-list of browser origins (HTTP, Socket.IO and /ws). */
  @IsString()
  CORS_ORIGINS = 'http://localhost:5175';

  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^mongodb(\+srv)?:\/\//, { message: 'MONGODB_URI must start with mongodb:// or mongodb+srv://' })
  MONGODB_URI?: string;

  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,63}$/, { message: 'MONGODB_DB must be 1-63 letters, digits, _ or -' })
  MONGODB_DB = 'realtime';

  @IsString()
  DATA_DIR = './data';

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  FERRETDB_BIN?: string;

  @IsIn(['normal', 'full'])
  EMBEDDED_DB_SYNCHRONOUS: 'normal' | 'full' = 'normal';

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  JWT_ACCESS_TTL_S = 900;

  /** Lifetime of a session and its refresh tokens. */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(365 * 86400)
  SESSION_TTL_S = 30 * 86400;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(15)
  BCRYPT_COST = 10;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'SERVICE_API_KEY must be at least 16 characters' })
  SERVICE_API_KEY?: string;

  @IsIn(['open', 'invite'])
  REGISTRATION_MODE: 'open' | 'invite' = 'open';

  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.-]{3,32}$/, { message: 'ADMIN_USERNAME must be 3-32 characters of A-Z a-z 0-9 _ . -' })
  ADMIN_USERNAME?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(72)
  ADMIN_PASSWORD?: string;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true })
  REDIS_URL?: string;

  /** This instance's name in metrics and cross-instance state; host name and pid when unset. */
  @Transform(blankToUndefined)
  @IsOptional()
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'INSTANCE_ID must be 1-64 characters of A-Z a-z 0-9 _ . : -' })
  INSTANCE_ID?: string;

  /** Default request budget per client IP and window. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  THROTTLE_TTL_S = 60;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  THROTTLE_LIMIT = 600;

  /** Stricter budget for credential routes (login, signup, refresh). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  AUTH_THROTTLE_LIMIT = 30;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_LOCKOUT_ATTEMPTS = 5;

  /** Failures from all addresses together that lock a username everywhere (LOGIN_LOCKOUT_ATTEMPTS is per client IP). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_LOCKOUT_GLOBAL_ATTEMPTS = 50;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_LOCKOUT_WINDOW_S = 900;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_LOCKOUT_DURATION_S = 900;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  METRICS_INTERVAL_MS = 5000;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  METRICS_RETENTION_S = 86400;

  @Transform(blankToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' })
  METRICS_TOKEN?: string;

  /** Alert thresholds (a value at twice the threshold escalates warning to error). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ALERT_CPU_PERCENT = 90;

  /** p99 event-loop delay over one sampling interval. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  ALERT_EVENT_LOOP_DELAY_MS = 200;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  ALERT_MEMORY_RSS_MB = 1024;

  /** Audio packet loss rate, 0..1. */
  @Transform(toInt)
  @IsNumber()
  @Min(0)
  @Max(1)
  ALERT_PACKET_LOSS_RATE = 0.05;

  /** /health/ready fails above this p99 event-loop delay… */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  READY_EVENT_LOOP_DELAY_MS = 1000;

  /** …or above this share of V8's heap size limit in use. */
  @Transform(toInt)
  @IsNumber()
  @Min(0.01)
  @Max(1)
  READY_HEAP_USED_RATIO = 0.95;

  /** After SIGTERM, readiness answers 503 for this long before connections close, so a load balancer stops routing first. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(5000)
  SHUTDOWN_DRAIN_MS = 0;

  /** /docs and /docs-json; unset: on, except with NODE_ENV=production. */
  @Transform(blankToUndefined)
  @IsOptional()
  @IsBooleanString()
  SWAGGER_ENABLED?: string;

  /** Channels one user may own (admins are exempt). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  CHANNELS_PER_USER = 50;

  /** How often voice sockets (/voice, /ws) are pinged to measure their round-trip time. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  AUDIO_PING_INTERVAL_MS = 2000;

  /** Outgoing bytes a socket (/voice, /, /ws) may have queued; audio to a socket over it is dropped for that socket. */
  @Transform(toInt)
  @IsInt()
  @Min(16 * 1024)
  @Max(64 * 1024 * 1024)
  SOCKET_OUTBOUND_CAP_BYTES = 256 * 1024;

  /** A socket that stays over its outbound cap this long (or reaches four times the cap) is disconnected. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  SOCKET_SLOW_GRACE_MS = 5000;

  /** Inbound events per second and burst, per connection, for signaling (callUser, iceCandidate, …). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SOCKET_SIGNALING_RATE = 20;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  SOCKET_SIGNALING_BURST = 60;

  /** Inbound events per second and burst, per connection, for every other control event (register, JoinChannel, …). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SOCKET_MESSAGING_RATE = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  SOCKET_MESSAGING_BURST = 30;

  /** Audio packets per connection may arrive this many times faster than the audio config's frame rate (with one second of burst). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  SOCKET_AUDIO_RATE_FACTOR = 4;

  /** A connection with this many refused events within 10 s is disconnected. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SOCKET_MAX_REFUSALS = 100;

  /** How long a session disconnected as a persistent offender may not open a new realtime connection; 0 never refuses. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  SOCKET_OFFENDER_COOLDOWN_MS = 10_000;

  /** New Socket.IO and /ws handshakes per client IP: a sustained rate per second and a burst. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  HANDSHAKE_RATE_PER_IP = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  HANDSHAKE_BURST_PER_IP = 100;

  /** How long the answer to a handshake over its address's budget is held before it is written; 0 answers at once. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10_000)
  HANDSHAKE_REFUSAL_DELAY_MS = 1_000;

  /** An unanswered call rings this long, then both sides get callEnded with reason timeout. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(600)
  CALL_RING_TIMEOUT_S = 45;

  /** iceCandidates relayed per call before it is answered; further ones are refused with RATE_LIMITED. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  CALL_MAX_CANDIDATES_BEFORE_ANSWER = 50;

  /** After a rejection, the same caller ringing the same callee again within this long gets RATE_LIMITED (0: no pause). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  CALL_REJECTED_RECALL_MS = 5000;

  /** A change of an audio sender's transit time (arrival minus its timestamp) over this is a clock jump: no jitter sample. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600_000)
  AUDIO_MAX_TRANSIT_JUMP_MS = 5000;

  /** The `users` event on connect lists at most this many connected users; GET /api/users pages the rest. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  PRESENCE_FULL_LIST_MAX = 1000;

  /** Set by validateEnv when JWT_SECRET was generated for this process (development). */
  JWT_SECRET_GENERATED?: boolean;
}

export type Env = EnvDto;

const PLACEHOLDER_SECRET = /change[-_ ]?me|secret|example|placeholder/i;

/** Validates the raw environment; throws one line naming every bad variable. */
export function validateEnv(raw: Record<string, unknown>): Env {
  const env = plainToInstance(EnvDto, raw, { exposeDefaultValues: true });
  // class-validator messages already start with the variable's name.
  const problems = validateSync(env).flatMap((error) => Object.values(error.constraints ?? {}));

  if (env.NODE_ENV === 'production') {
    if (!env.JWT_SECRET) problems.push('JWT_SECRET: required when NODE_ENV=production');
    else if (PLACEHOLDER_SECRET.test(env.JWT_SECRET)) problems.push('JWT_SECRET: looks like a placeholder; use a random value');
    if (env.SERVICE_API_KEY && PLACEHOLDER_SECRET.test(env.SERVICE_API_KEY)) {
      problems.push('SERVICE_API_KEY: looks like a placeholder; use a random value');
    }
  }
  const trustProxy = parseTrustProxy(env.TRUST_PROXY);
  if (typeof trustProxy === 'string') problems.push(trustProxy);
  if (env.ADMIN_USERNAME && !env.ADMIN_PASSWORD) problems.push('ADMIN_PASSWORD: required when ADMIN_USERNAME is set');
  for (const { test, message } of env.ADMIN_PASSWORD ? PASSWORD_RULES : []) {
    if (!test(env.ADMIN_PASSWORD!)) problems.push(`ADMIN_PASSWORD: ${message}`);
  }
  if (problems.length > 0) throw new Error(`Invalid environment: ${problems.join('; ')}`);

  if (!env.JWT_SECRET) {
    // Development only (production refuses above): tokens die with the process.
    env.JWT_SECRET = randomBytes(32).toString('hex');
    env.JWT_SECRET_GENERATED = true;
  }
  return env;
}
