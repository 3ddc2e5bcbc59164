import type { INestApplication, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { DocumentBuilder, getSchemaPath, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { OperationObject, ResponsesObject, SecurityRequirementObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { THROTTLER_SKIP } from '@nestjs/throttler/dist/throttler.constants';
import { ALLOW_SERVICE, AUTH_FAILURE, type AuthFailure, IS_PUBLIC, ROLES_KEY } from '../auth/auth.decorators';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors/error-codes';
import { API_ERROR_CODES } from './api-responses';
import { ErrorResponseDto } from './error-response.dto';

/** Security scheme names, as the document declares them. */
export const SECURITY = { bearer: 'bearer', session: 'session-token', service: 'service-key' } as const;

/** `UsersController.list` → `usersList`: short, unique, and a valid method name in generated clients. */
export function operationId(controllerKey: string, methodKey: string): string {
  const resource = controllerKey.replace(/Controller$/, '');
  return resource.charAt(0).toLowerCase() + resource.slice(1) + methodKey.charAt(0).toUpperCase() + methodKey.slice(1);
}

interface RouteAuth {
  isPublic: boolean;
  roles: string[];
  allowService: boolean;
  authFailure?: AuthFailure;
  skipThrottle: boolean;
  errors: ErrorCode[];
}

/**
 * The OpenAPI document of the running app. Which credentials a route accepts and which errors it answers
 * come from the same decorators the guard reads (`@Public`, `@Roles`, `@AllowService`, `@OnAuthFailure`),
 * so the document cannot disagree with the guard.
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Realtime backend')
      .setDescription(
        'Accounts, presence and messaging, WebRTC signaling, voice channels, metrics. Realtime events (Socket.IO `/`, `/voice`, plain WebSocket `/ws`) are described in docs/asyncapi.yaml.',
      )
      .setVersion('1.0')
      .addServer('/')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The access token of POST /auth/login' }, SECURITY.bearer)
      .addApiKey(
        { type: 'apiKey', in: 'header', name: 'INSAkari-Connect-Token', description: 'The session token (`token`) of POST /auth/login' },
        SECURITY.session,
      )
      .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'SERVICE_API_KEY, for back-end services' }, SECURITY.service)
      .build(),
    { operationIdFactory: operationId, extraModels: [ErrorResponseDto] },
  );
  const routes = routeMetadata(app);
  for (const pathItem of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = pathItem[method];
      const route = operation?.operationId ? routes.get(operation.operationId) : undefined;
      if (operation && route) describeAccess(operation, route);
    }
  }
  return document;
}

function describeAccess(operation: OperationObject, route: RouteAuth): void {
  // Routes without a doc comment still get a summary: generated clients and the UI show it.
  operation.summary ??= humanize(operation.operationId ?? '');
  const users: SecurityRequirementObject[] = [{ [SECURITY.bearer]: [] }, { [SECURITY.session]: [] }];
  // `{}` is the anonymous alternative: a public route takes no credential.
  operation.security = route.isPublic ? [{}] : route.allowService ? [...users, { [SECURITY.service]: [] }] : users;

  const codes = new Set<ErrorCode>(route.errors);
  if (operation.requestBody || (operation.parameters ?? []).length > 0) codes.add('INVALID_INPUT');
  if (operation.requestBody) codes.add('PAYLOAD_TOO_LARGE');
  if (!route.isPublic) {
    codes.add(route.authFailure?.code ?? 'UNAUTHORIZED');
    codes.add('TOKEN_EXPIRED');
  }
  if (route.roles.length > 0) codes.add('PERMISSION_DENIED');
  if (!route.skipThrottle) codes.add('RATE_LIMITED');
  codes.add('INTERNAL_ERROR');
  codes.add('SERVICE_UNAVAILABLE');
  operation.responses = { ...operation.responses, ...errorResponses([...codes], route.authFailure) };
}

/** `usersList` → `Users list`. */
function humanize(id: string): string {
  const words = id.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function errorResponses(codes: ErrorCode[], authFailure: AuthFailure | undefined): ResponsesObject {
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const status = ERROR_CATALOGUE[code].status;
    const message = code === authFailure?.code ? authFailure.message : ERROR_CATALOGUE[code].message;
    byStatus.set(status, [...(byStatus.get(status) ?? []), `\`${code}\` (${message})`]);
  }
  const responses: ResponsesObject = {};
  for (const [status, lines] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[status] = {
      description: lines.join('; '),
      content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) } } },
    };
  }
  return responses;
}

/** Every route handler's access metadata, by operation id. */
function routeMetadata(app: INestApplication): Map<string, RouteAuth> {
  const reflector = new Reflector();
  const routes = new Map<string, RouteAuth>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller) continue;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        if (Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const targets = [handler, controller];
        routes.set(operationId(controller.name, name), {
          isPublic: reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) ?? false,
          roles: reflector.getAllAndOverride<string[]>(ROLES_KEY, targets) ?? [],
          allowService: reflector.getAllAndOverride<boolean>(ALLOW_SERVICE, targets) ?? false,
          authFailure: reflector.getAllAndOverride<AuthFailure>(AUTH_FAILURE, targets),
          skipThrottle: reflector.getAllAndOverride<boolean>(`${THROTTLER_SKIP}default`, targets) ?? false,
          errors: reflector.getAllAndMerge<ErrorCode[]>(API_ERROR_CODES, targets) ?? [],
        });
      }
    }
  }
  return routes;
}
