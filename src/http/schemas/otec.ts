// Request and response shapes of the admin API (/v1/admin), which manages
// OTECs and their API keys with the deployment's ADMIN_API_KEY.

import { z } from 'zod'
import { MAX_LENGTH } from '../../protocol/fields.ts'
import { API_KEY_NAME_MAX_LENGTH } from '../../otecs/api-keys.ts'
import { MAX_SESSION_MINUTES_RANGE } from '../../otecs/otec-input.ts'

const environmentSchema = z
  .enum(['test', 'production'])
  .describe('SENCE’s environment for this OTEC’s sessions; API keys carry it in their prefix.')

const origins = z
  .array(z.string().max(200))
  .max(50)
  .describe('Origins (scheme://host[:port]) that return URLs may use.')

const senceToken = z
  .string()
  .max(MAX_LENGTH.Token * 2)
  .describe('The OTEC’s SENCE Token. Stored encrypted; no response ever contains it.')

const maxSessionMinutes = z
  .int()
  .min(MAX_SESSION_MINUTES_RANGE.min)
  .max(MAX_SESSION_MINUTES_RANGE.max)
  .describe('Longest session, in minutes; an intent may only shorten it.')

export const createOtecBodySchema = z.strictObject({
  rut: z.string().max(20).describe('RUT of the OTEC, such as 76543210-3.'),
  name: z.string().max(200),
  environment: environmentSchema.default('test'),
  senceToken,
  returnOrigins: origins.optional(),
  maxSessionMinutes: maxSessionMinutes.optional(),
  webhookUrl: z.string().max(2000).optional().describe('Creates a webhook endpoint.'),
})

export const updateOtecBodySchema = z.strictObject({
  name: z.string().max(200).optional(),
  environment: environmentSchema.optional(),
  senceToken: senceToken.optional(),
  returnOrigins: origins.optional().describe('Replaces the list.'),
  addReturnOrigins: origins.optional(),
  removeReturnOrigins: origins.optional(),
  maxSessionMinutes: maxSessionMinutes.optional(),
})

export const issueApiKeyBodySchema = z.strictObject({
  name: z.string().max(API_KEY_NAME_MAX_LENGTH).optional(),
  revokeOthers: z
    .boolean()
    .default(false)
    .describe('Revokes every other key of the OTEC at once: a rotation after a leak.'),
})

const instant = z.iso.datetime()

export const otecSchema = z
  .object({
    id: z.uuid(),
    rut: z.string(),
    name: z.string(),
    environment: z.enum(['test', 'production']),
    returnOrigins: z.array(z.string()),
    maxSessionMinutes: z.int(),
    createdAt: instant,
    updatedAt: instant,
  })
  .meta({ id: 'Otec' })

export const apiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string().nullable(),
    prefix: z.string().describe('The key’s first characters, such as sk_live_AbCd.'),
    environment: z.enum(['test', 'production']),
    createdAt: instant,
    lastUsedAt: instant.nullable().describe('Updated at most once a minute.'),
    revokedAt: instant.nullable(),
  })
  .meta({ id: 'ApiKey' })

export const otecWithKeysSchema = otecSchema
  .extend({ apiKeys: z.array(apiKeySchema) })
  .meta({ id: 'OtecWithKeys' })

export const createdOtecSchema = z
  .object({
    otec: otecSchema,
    apiKey: z.string().describe('The first API key, shown this once.'),
    webhookSecret: z
      .string()
      .nullable()
      .describe('The webhook endpoint’s secret, shown this once.'),
  })
  .meta({ id: 'CreatedOtec' })

export const issuedApiKeySchema = z
  .object({
    apiKey: z.string().describe('The new key, shown this once.'),
    key: apiKeySchema,
    revokedCount: z.int().describe('Other keys revoked with revokeOthers.'),
  })
  .meta({ id: 'IssuedApiKey' })

export const otecParamsSchema = z.object({ id: z.string().describe('The OTEC id (a UUID).') })

export const apiKeyParamsSchema = z.object({
  id: z.string().describe('The OTEC id (a UUID).'),
  keyId: z.string().describe('The API key id (a UUID).'),
})
