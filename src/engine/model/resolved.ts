import { z } from 'zod';

/**
 * The schema of `schema`'s parsed output, built from the same pieces: every field that has a
 * default (or prefault) is required instead, so parsing with it applies no default. A plan the
 * client resolved once is then checked as it is, and a later change of a default cannot alter it.
 */
export function withoutDefaults<S extends z.ZodType>(schema: S): z.ZodType<z.output<S>, z.output<S>> {
  return strip(schema) as z.ZodType<z.output<S>, z.output<S>>;
}

function strip(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodDefault || schema instanceof z.ZodPrefault) return strip(schema.def.innerType as z.ZodType);
  if (schema instanceof z.ZodOptional) return schema.clone({ ...schema.def, innerType: strip(schema.def.innerType as z.ZodType) });
  if (schema instanceof z.ZodArray) return schema.clone({ ...schema.def, element: strip(schema.def.element as z.ZodType) });
  if (schema instanceof z.ZodUnion) return schema.clone({ ...schema.def, options: schema.def.options.map((option) => strip(option as z.ZodType)) });
  if (schema instanceof z.ZodObject) {
    const shape = Object.fromEntries(Object.entries(schema.def.shape).map(([key, field]) => [key, strip(field as z.ZodType)]));
    return schema.clone({ ...schema.def, shape });
  }
  return schema;
}
