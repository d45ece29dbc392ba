import { defineRoute } from '../registry';
import { CreateOrganizationBody, Organization, OrganizationList, OrganizationPath } from '../schemas';

export const organizationRoutes = [
  defineRoute({
    operationId: 'createOrganization',
    method: 'post',
    path: '/organizations',
    tag: 'Organizations',
    summary: 'Create an organization',
    role: 'admin',
    body: CreateOrganizationBody,
    status: 201,
    response: Organization,
    idempotent: true,
    handler: ({ ctx, actor, body }) => ctx.services.organizations.create(actor, body.name),
  }),
  defineRoute({
    operationId: 'listOrganizations',
    method: 'get',
    path: '/organizations',
    tag: 'Organizations',
    summary: 'List organizations',
    role: 'agent',
    status: 200,
    response: OrganizationList,
    handler: async ({ ctx }) => ({ items: await ctx.services.organizations.list() }),
  }),
  defineRoute({
    operationId: 'getOrganization',
    method: 'get',
    path: '/organizations/:organizationId',
    tag: 'Organizations',
    summary: 'Get an organization',
    role: 'agent',
    params: OrganizationPath,
    status: 200,
    response: Organization,
    handler: ({ ctx, params }) => ctx.services.organizations.get(params.organizationId),
  }),
];
