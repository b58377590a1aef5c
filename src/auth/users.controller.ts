import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles } from '../access/access.decorators';
import type { AuthenticatedUser } from '../access/authenticated-user';
import { ROLES } from '../access/role';
import type { UserView } from './user-record';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/users')
@Roles('operator')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiBody({
    schema: {
      type: 'object',
      required: ['username', 'password', 'role', 'displayName'],
      properties: {
        username: { type: 'string' },
        password: { type: 'string', minLength: 12 },
        role: { type: 'string', enum: [...ROLES] },
        displayName: { type: 'string' },
        patientId: { type: 'string', description: 'required for role patient, refused for others' },
      },
    },
  })
  @ApiOkResponse({ description: 'the user, without its password hash' })
  async create(@CurrentUser() actor: AuthenticatedUser, @Body() body: unknown): Promise<UserView> {
    return this.users.create(actor, body);
  }

  @Get()
  async list(): Promise<UserView[]> {
    return this.users.list();
  }

  @Post(':id/disable')
  @HttpCode(HttpStatus.OK)
  async disable(@CurrentUser() actor: AuthenticatedUser, @Param('id') id: string): Promise<UserView> {
    return this.users.disable(actor, id);
  }
}
