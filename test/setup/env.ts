// Defaults for every e2e worker; a suite layers its own over these via createTestApp(env).
process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';
process.env.MONGODB_URI = process.env.TEST_MONGODB_URI;
process.env.MONGODB_DB = `e2e_${process.env.JEST_WORKER_ID ?? '1'}`;
process.env.JWT_SECRET = 'e2e-jwt-signing-key-0123456789abcdef0123456789';
process.env.SERVICE_API_KEY = 'e2e-service-api-key-0123456789';
process.env.THROTTLE_LIMIT = '100000';
process.env.AUTH_THROTTLE_LIMIT = '100000';
process.env.SWAGGER_ENABLED = 'true';
