import { Body, Controller, Get, Headers, Post, Req } from '@nestjs/common';
import { ApiGoneResponse, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../access/access.decorators';
import { parseInput } from '../common/invalid-input.exception';
import { ApiJsonBody, ApiJsonResponse } from '../common/openapi';
import { firstOperatorSchema, setupStatusSchema, userViewSchema } from './auth-api.schema';
import { FirstOperatorService } from './first-operator.service';
import { firstIssue } from './user-input';
import type { UserView } from './user-record';

const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'];

/** Straight from this machine: a loopback peer and no proxy header (a local reverse proxy forwards for others). */
function isLocal(request: Request): boolean {
  const address = request.socket.remoteAddress ?? '';
  const loopback = address === '::1' || /^(::ffff:)?127\./.test(address);
  return loopback && !PROXY_HEADERS.some((header) => request.headers[header] !== undefined);
}

/** First run: creating the first operator while no user exists (open, guarded by locality or a setup code). */
@ApiTags('setup')
@Controller('api/setup')
@Public()
export class SetupController {
  constructor(private readonly firstOperator: FirstOperatorService) {}

  @Get()
  @ApiJsonResponse('SetupStatus', setupStatusSchema, { description: 'whether the first operator may still be created, and how' })
  async status(@Req() request: Request): Promise<{ firstOperatorNeeded: boolean; setupCodeNeeded: boolean }> {
    const needed = await this.firstOperator.isNeeded();
    return { firstOperatorNeeded: needed, setupCodeNeeded: needed && !isLocal(request) };
  }

  @Post('first-operator')
  @ApiHeader({
    name: 'x-osteon-setup-code',
    required: false,
    description: 'the setup code from the start-up log (not needed from the local machine)',
  })
  @ApiGoneResponse({ description: 'the first operator exists' })
  @ApiJsonBody('FirstOperator', firstOperatorSchema, { username: 'alice', displayName: 'Alice', password: 'plaid-otter-rowing-quietly-42' })
  @ApiJsonResponse('User', userViewSchema, { status: 201, description: 'the first operator (sign in with it next)' })
  async createFirstOperator(
    @Req() request: Request,
    @Headers('x-osteon-setup-code') setupCode: string | undefined,
    @Body() body: unknown,
  ): Promise<UserView> {
    const fields = parseInput(firstOperatorSchema, body, firstIssue);
    return this.firstOperator.create({ local: isLocal(request), setupCode, body: fields });
  }
}
