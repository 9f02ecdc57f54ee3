import { z } from 'zod'
import { PROBLEM_TYPES, type ProblemSlug } from '../problem.ts'

const fieldProblemSchema = z.object({
  field: z.string().describe('The API’s name of the field or parameter, in camelCase.'),
  senceCode: z
    .int()
    .nullable()
    .describe('The Anexo 2 code SENCE would return; null for a rule of the gateway’s own.'),
  detail: z.string().describe('Why the value was rejected. In Spanish for session fields.'),
})

/**
 * An RFC 9457 problem. Loose, because some problems add members of their
 * own (`sessionStatus`), which the serializer must keep.
 */
export const problemSchema = z
  .looseObject({
    type: z.string().describe('A stable URI: urn:sence-gateway:problem:<slug>.'),
    title: z.string(),
    status: z.int(),
    detail: z.string().describe('What went wrong with this request, and what to do.'),
    instance: z.string().optional().describe('The request’s path.'),
    errors: z
      .array(fieldProblemSchema)
      .optional()
      .describe('Every failed rule, for validation-error and invalid-request.'),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; see docs/problems.md.' })

interface ProblemResponse {
  description: string
  content: { 'application/problem+json': { schema: typeof problemSchema } }
}

/**
 * Response entries for the problems a route can send, keyed by HTTP status,
 * in the content type they are sent with. Every API route also sends
 * unauthorized, rate-limited, internal-error and unavailable.
 */
export function problemResponses(...slugs: ProblemSlug[]): Record<number, ProblemResponse> {
  const all: ProblemSlug[] = [
    ...slugs,
    'invalid-request',
    'unauthorized',
    'rate-limited',
    'internal-error',
    'unavailable',
  ]
  const responses: Record<number, ProblemResponse> = {}
  for (const status of new Set(all.map((slug) => PROBLEM_TYPES[slug].status))) {
    const types = [...new Set(all.filter((slug) => PROBLEM_TYPES[slug].status === status))]
    responses[status] = {
      description: `Problem of type ${types.join(' or ')}.`,
      content: { 'application/problem+json': { schema: problemSchema } },
    }
  }
  return responses
}
