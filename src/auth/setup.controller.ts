import { Body, Controller, Get, Headers, Post, Req } from '@nestjs/common';
import { ApiGoneResponse, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../access/access.decorators';
import { FirstOperatorService } from './first-operator.service';
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
  async createFirstOperator(
    @Req() request: Request,
    @Headers('x-osteon-setup-code') setupCode: string | undefined,
    @Body() body: unknown,
  ): Promise<UserView> {
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    return this.firstOperator.create({ local: isLocal(request), setupCode, body: fields });
  }
}
