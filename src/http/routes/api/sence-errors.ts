import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { problemResponses } from '../../schemas/problem.ts'
import {
  ANEXO_2_CODES,
  describeSenceError,
  SENCE_ERRORS,
  type SenceError,
} from '../../../protocol/error-table.ts'

const senceErrorSchema = z
  .object({
    code: z.int().describe('The number SENCE sends in GlosaError.'),
    known: z
      .boolean()
      .describe('False for a code that Anexo 2 does not list (such as 100 or 210).'),
    meaning: z
      .string()
      .describe('SENCE’s description of the code, in Spanish, as its manual words it.'),
    message: z.string().describe('A message for the student, in Spanish.'),
    guidance: z
      .string()
      .describe(
        'Guidance for OTEC staff, in Spanish: what to check, whom to call, what to report.',
      ),
    reportToSence: z
      .boolean()
      .describe('True when SENCE’s manual asks to report the error with the request’s details.'),
    checkedBeforeRedirect: z
      .boolean()
      .describe('True when the gateway checks the rule before the student leaves for SENCE.'),
  })
  .describe('One code of SENCE’s error table (Anexo 2).')

const codeParams = z.object({
  code: z.coerce.number().int().min(0).max(999_999).describe('A GlosaError code, such as 308.'),
})

function toView(entry: SenceError) {
  return { ...entry, known: SENCE_ERRORS.has(entry.code) }
}

/** GET /v1/sence-errors and GET /v1/sence-errors/{code}: SENCE's error table as the gateway explains it. */
export async function senceErrorRoutes(instance: FastifyInstance): Promise<void> {
  const app = instance.withTypeProvider<ZodTypeProvider>()

  app.get(
    '/v1/sence-errors',
    {
      schema: {
        tags: ['sence-errors'],
        summary: 'List every code of SENCE’s error table',
        response: { 200: z.object({ data: z.array(senceErrorSchema) }), ...problemResponses() },
      },
    },
    async () => ({
      data: ANEXO_2_CODES.map((code) => toView(describeSenceError(code))),
    }),
  )

  app.get(
    '/v1/sence-errors/:code',
    {
      schema: {
        tags: ['sence-errors'],
        summary: 'Explain one GlosaError code',
        description:
          'A code that Anexo 2 does not list gets a generic explanation with `known: false`, not a 404, ' +
          'because SENCE may send codes its manual does not describe.',
        params: codeParams,
        response: { 200: senceErrorSchema, ...problemResponses() },
      },
    },
    async (request) => toView(describeSenceError(request.params.code)),
  )
}
