// SENCE's error table (Anexo 2 of the manual, v1.1.6): every code SENCE can
// send in GlosaError, with SENCE's own description, a message for the
// student and guidance for the OTEC's staff. Codes 100 and 210 were removed
// from the manual and are treated as unknown. The pages, the API (GET
// /v1/sence-errors, a session's `error`) and the webhooks all read it here.

export interface SenceError {
  code: number
  /** SENCE's description, as the manual words it. */
  meaning: string
  /** Spanish, for the student: what happened and what to do now. */
  message: string
  /** Spanish, for OTEC staff: what to check, whom to call, what to report. */
  guidance: string
  /** True when the manual requires reporting the error to SENCE with the request's details. */
  reportToSence: boolean
  /**
   * True when the gateway checks the rule behind the code before the student
   * leaves (src/protocol/rules.ts), so that SENCE should never return it for
   * a request the gateway sent.
   */
  checkedBeforeRedirect: boolean
}

/** The details the manual requires in a report to SENCE, all of them in the session's events. */
const REPORT =
  'Repórtelo a SENCE con la mayor cantidad de antecedentes: RUT OTEC, CodSence, CodigoCurso, ' +
  'LineaCapacitacion, RUN del alumno, IdSesionAlumno, IdSesionSence si lo hay, fecha y hora, ' +
  'si era inicio o cierre, y el ambiente (pruebas o producción). El gateway guarda esos datos en ' +
  'los eventos de la sesión (GET /v1/sessions/{id}).'

/** For codes the gateway checks before the redirect: seeing one from SENCE means the two disagree. */
const CHECKED_BY_GATEWAY =
  'El gateway revisa esta regla antes de enviar al alumno; si SENCE igual devuelve el código, ' +
  'guarde el id de la sesión y avise a quien opera el gateway.'

const TRY_LATER = 'Intenta nuevamente en unos minutos. Si el problema continúa, avisa a tu OTEC.'
const TELL_OTEC = 'Avisa a tu OTEC para que lo corrija; tu asistencia no quedó registrada.'

const ENTRIES: SenceError[] = [
  {
    code: 200,
    meaning:
      'El POST tiene uno o más parámetros mandatorios sin información. Esto también ocurre cuando un parámetro ' +
      'está mal escrito (por ejemplo, RutAlumno en lugar de RunAlumno), o cuando se ingresan sólo espacios en ' +
      'blanco en un parámetro obligatorio.',
    message: `No pudimos enviar tus datos a SENCE porque faltaba información del curso. ${TELL_OTEC}`,
    guidance:
      'Falta un campo obligatorio o viene en blanco: RutOtec, Token, CodSence (salvo línea 1), CodigoCurso, ' +
      'LineaCapacitacion, RunAlumno, IdSesionAlumno, IdSesionSence (en el cierre), UrlRetoma o UrlError. ' +
      `Revise los datos del curso en el LMS y el registro del OTEC en el gateway. ${CHECKED_BY_GATEWAY}`,
    reportToSence: false,
    checkedBeforeRedirect: true,
  },
  {
    code: 201,
    meaning:
      'La URL de Retoma y/o URL de Error no tienen información. Ambos parámetros son obligatorios en todos los POST.',
    message: `No pudimos enviar tus datos a SENCE por un problema de configuración. ${TELL_OTEC}`,
    guidance: `UrlRetoma o UrlError llegaron vacías a SENCE. El gateway las arma con PUBLIC_BASE_URL. ${CHECKED_BY_GATEWAY}`,
    reportToSence: false,
    checkedBeforeRedirect: true,
  },
  {
    code: 202,
    meaning: 'La URL de Retoma tiene formato incorrecto.',
    message: `No pudimos enviar tus datos a SENCE por un problema de configuración. ${TELL_OTEC}`,
    guidance:
      'SENCE rechazó UrlRetoma. Revise que PUBLIC_BASE_URL sea una URL http(s) completa y que las URL de ' +
      `retorno no superen 100 caracteres. ${CHECKED_BY_GATEWAY}`,
    reportToSence: false,
    checkedBeforeRedirect: true,
  },
  {
    code: 203,
    meaning: 'La URL de Error tiene formato incorrecto.',
    message: `No pudimos enviar tus datos a SENCE por un problema de configuración. ${TELL_OTEC}`,
    guidance:
      'SENCE rechazó UrlError. Revise que PUBLIC_BASE_URL sea una URL http(s) completa y que las URL de ' +
      `retorno no superen 100 caracteres. ${CHECKED_BY_GATEWAY}`,
    reportToSence: false,
    checkedBeforeRedirect: true,
  },
  {
    code: 204,
    meaning: 'El Código SENCE tiene menos de 10 caracteres y/o no es código válido.',
    message: `El código SENCE del curso no es válido. ${TELL_OTEC}`,
    guidance:
      'CodSence debe tener 10 caracteres en Franquicia Tributaria (línea 3) e ir en blanco en Programas ' +
      'Sociales (línea 1). Está en los Datos del Curso de la orden de compra del OTIC o la empresa. El valor -1 ' +
      `sólo se acepta en el ambiente de pruebas. ${CHECKED_BY_GATEWAY}`,
    reportToSence: false,
    checkedBeforeRedirect: true,
  },
  {
    code: 205,
    meaning: 'El Código Curso tiene menos de 7 caracteres y/o no es código válido.',
    message: `El código del curso no es válido. ${TELL_OTEC}`,
    guidance:
      'CodigoCurso (ID de acción, folio SENCE, SENCENET; en línea 1, el código SIC) debe tener al menos 7 ' +
      'caracteres, salvo en cursos FPT (línea 6), y como máximo 50. El valor -1 sólo se acepta en el ambiente ' +
      `de pruebas. ${CHECKED_BY_GATEWAY}`,
    reportToSence: false,
    checkedBeforeRedirect: true,
  },
  {
    code: 206,
    meaning: 'La línea de capacitación es incorrecta.',
    message: `La línea de capacitación del curso no es válida. ${TELL_OTEC}`,
    guidance:
      'LineaCapacitacion debe ser 1 (Programas Sociales), 3 (Franquicia Tributaria) o 6 (FPT). ' +
      CHECKED_BY_GATEWAY,
    reportToSence: false,
    checkedBeforeRedirect: true,
  },
  {
    code: 207,
    meaning: 'El Run Alumno tiene formato incorrecto, o tiene el dígito verificador incorrecto.',
    message:
      'Tu RUN no es válido. Revisa que esté bien escrito en tu perfil del curso y avisa a tu OTEC.',
    guidance:
      'El RUN del alumno no tiene formato xxxxxxxx-x o su dígito verificador no corresponde. Corríjalo en el ' +
      `perfil del alumno en el LMS. ${CHECKED_BY_GATEWAY}`,
    reportToSence: false,
    checkedBeforeRedirect: true,
  },
  {
    code: 208,
    meaning: 'El Run Alumno no está autorizado para realizar el curso.',
    message:
      'SENCE indica que tu RUN no está inscrito en este curso. Avisa a tu OTEC para que revise tu inscripción.',
    guidance:
      'El alumno no figura en la nómina del curso para ese CodigoCurso. Revise la nómina con el OTIC o la ' +
      'empresa, y que la línea sea la correcta (un curso de línea 1 enviado como línea 3 da este error).',
    reportToSence: false,
    checkedBeforeRedirect: false,
  },
  {
    code: 209,
    meaning: 'El Rut OTEC tiene formato incorrecto, o tiene el dígito verificador incorrecto.',
    message: `No pudimos enviar tus datos a SENCE por un problema de configuración. ${TELL_OTEC}`,
    guidance:
      'El RUT del OTEC registrado en el gateway no es válido para SENCE. El gateway lo revisa al registrar el ' +
      `OTEC (sence-gateway otec create --rut) y antes de cada envío. ${CHECKED_BY_GATEWAY}`,
    reportToSence: false,
    checkedBeforeRedirect: true,
  },
  {
    code: 211,
    meaning: 'El Token no pertenece al OTEC.',
    message: `No pudimos registrar tu sesión por un problema de configuración. ${TELL_OTEC}`,
    guidance:
      'El Token registrado no corresponde al RUT OTEC. Genere uno en https://sistemas.sence.cl/rts con el RUT ' +
      'del OTEC (lo hace el representante legal, con la Clave SENCE de la empresa) y registre ese Token en el gateway.',
    reportToSence: false,
    checkedBeforeRedirect: false,
  },
  {
    code: 212,
    meaning: 'El Token no está vigente.',
    message: `No pudimos registrar tu sesión por un problema de configuración. ${TELL_OTEC}`,
    guidance:
      'El Token fue dado de baja en SENCE. Genere uno nuevo en https://sistemas.sence.cl/rts y regístrelo en el gateway.',
    reportToSence: false,
    checkedBeforeRedirect: false,
  },
  {
    code: 300,
    meaning:
      'Error interno no clasificado, se debe reportar al SENCE con la mayor cantidad de antecedentes disponibles.',
    message: `SENCE tuvo un error interno y no registró tu sesión. ${TRY_LATER}`,
    guidance: `Error interno de SENCE. ${REPORT}`,
    reportToSence: true,
    checkedBeforeRedirect: false,
  },
  {
    code: 301,
    meaning:
      'No se pudo registrar el ingreso o cierre de sesión. Esto ocurre cuando la Línea de Capacitación es ' +
      'incorrecta, o el Código de Curso es incorrecto.',
    message: `SENCE no pudo registrar tu ingreso o salida. ${TELL_OTEC}`,
    guidance:
      'Revise LineaCapacitacion y CodigoCurso con la orden de compra o con el OTIC. En cierres, SENCE también ' +
      'responde 301 cuando la sesión lleva abierta más tiempo del permitido (unas 3 horas, según informan otras ' +
      'integraciones): pida al alumno cerrar su sesión antes de ese plazo.',
    reportToSence: false,
    checkedBeforeRedirect: false,
  },
  {
    code: 302,
    meaning:
      'No se pudo validar la información del Organismo, se debe reportar al SENCE con la mayor cantidad de ' +
      'antecedentes disponibles.',
    message: `SENCE no pudo validar los datos de tu OTEC. ${TRY_LATER}`,
    guidance: `SENCE no pudo validar al OTEC. ${REPORT}`,
    reportToSence: true,
    checkedBeforeRedirect: false,
  },
  {
    code: 303,
    meaning: 'El Token no existe, o su formato es incorrecto.',
    message: `No pudimos registrar tu sesión por un problema de configuración. ${TELL_OTEC}`,
    guidance:
      'SENCE no reconoce el Token. Cópielo de nuevo desde https://sistemas.sence.cl/rts, completo y sin ' +
      'espacios, y regístrelo en el gateway. El gateway sólo revisa que no venga en blanco y que no pase de 36 caracteres.',
    reportToSence: false,
    checkedBeforeRedirect: false,
  },
  {
    code: 304,
    meaning:
      'No se pudieron verificar los datos enviados, se debe reportar al SENCE con la mayor cantidad de ' +
      'antecedentes disponibles (ej. enviar parámetros de inicio o cierre de sesión según corresponda).',
    message: `SENCE no pudo verificar los datos enviados. ${TRY_LATER}`,
    guidance: `SENCE no pudo verificar los datos. ${REPORT}`,
    reportToSence: true,
    checkedBeforeRedirect: false,
  },
  {
    code: 305,
    meaning:
      'No se pudo registrar la información, se debe reportar al SENCE con la mayor cantidad de antecedentes ' +
      'disponibles (ej. enviar parámetros de inicio o cierre de sesión según corresponda).',
    message: `SENCE no pudo guardar tu registro de asistencia. ${TRY_LATER}`,
    guidance: `SENCE no pudo guardar el registro. ${REPORT}`,
    reportToSence: true,
    checkedBeforeRedirect: false,
  },
  {
    code: 306,
    meaning: 'El Código Curso no corresponde al código SENCE.',
    message: `El curso está mal configurado. ${TELL_OTEC}`,
    guidance:
      'Error de configuración: el CodigoCurso (ID de acción) no pertenece a ese CodSence; suele ser un ID de ' +
      'acción mal ingresado. Revise ambos valores en la orden de compra o en el sistema de Gestión de ' +
      'Acreditación de Participación de SENCE (lce.sence.cl).',
    reportToSence: false,
    checkedBeforeRedirect: false,
  },
  {
    code: 307,
    meaning: 'El Código Curso no tiene modalidad E-learning.',
    message: `El curso no está habilitado como e-learning en SENCE. ${TELL_OTEC}`,
    guidance:
      'El CodigoCurso no está aprobado en modalidad e-learning. Consulte con el OTIC o con la Dirección ' +
      'Regional de SENCE, según quién aprobó el curso.',
    reportToSence: false,
    checkedBeforeRedirect: false,
  },
  {
    code: 308,
    meaning: 'El Código Curso no corresponde al RUT OTEC',
    message: `El curso está mal configurado. ${TELL_OTEC}`,
    guidance:
      'Error de configuración: el CodigoCurso (ID de acción) no pertenece a este OTEC; suele ser un ID de ' +
      'acción mal ingresado. Revise el ID de acción del curso en el LMS y el RUT OTEC registrado en el gateway.',
    reportToSence: false,
    checkedBeforeRedirect: false,
  },
  {
    code: 309,
    meaning:
      'Las fechas de ejecución comunicadas para el Código Curso no corresponden a la fecha actual.',
    message: 'SENCE indica que hoy no es una fecha de ejecución de este curso. Avisa a tu OTEC.',
    guidance:
      'La fecha actual está fuera de las fechas de ejecución comunicadas para el CodigoCurso. Revíselas con el ' +
      'OTIC o la empresa, que son quienes las comunican a SENCE.',
    reportToSence: false,
    checkedBeforeRedirect: false,
  },
  {
    code: 310,
    meaning: 'El Código Curso está en estado Terminado o Anulado.',
    message: 'SENCE indica que este curso ya terminó o fue anulado. Avisa a tu OTEC.',
    guidance:
      'El CodigoCurso está Terminado o Anulado en SENCE y ya no acepta asistencia. Confirme el estado con el ' +
      'OTIC o la empresa.',
    reportToSence: false,
    checkedBeforeRedirect: false,
  },
  {
    code: 311,
    meaning:
      'Run ingresado en el Login de Clave Única no corresponde con Run alumno informado por el ejecutor.',
    message:
      'El RUN con que ingresaste a ClaveÚnica no es el del alumno inscrito. Vuelve a intentarlo con tu propia ClaveÚnica.',
    guidance:
      'El alumno ingresó a ClaveÚnica con otro RUN. Si el RUN del LMS está mal, corríjalo en el perfil del ' +
      'alumno; si no, el alumno debe usar su propia ClaveÚnica.',
    reportToSence: false,
    checkedBeforeRedirect: false,
  },
  {
    code: 312,
    meaning: 'No se pudo completar la autenticación con Clave Única.',
    message:
      'No se pudo completar tu ingreso con ClaveÚnica. Vuelve a intentarlo; si olvidaste tu clave, recupérala en https://claveunica.gob.cl/.',
    guidance:
      'La autenticación con ClaveÚnica falló. El alumno puede reintentar o recuperar su clave en ' +
      'claveunica.gob.cl; si falla a muchos alumnos a la vez, puede ser una caída de ClaveÚnica.',
    reportToSence: false,
    checkedBeforeRedirect: false,
  },
  {
    code: 313,
    meaning: 'URL de Cierre de sesión Incorrecta.',
    message: `No pudimos cerrar tu sesión por un problema de configuración. ${TELL_OTEC}`,
    guidance:
      'SENCE rechazó la URL del cierre. El gateway cierra cada sesión en el ambiente (pruebas o producción) en ' +
      'que se inició; revise SENCE_BASE_URL y guarde el id de la sesión para reportarlo.',
    reportToSence: false,
    checkedBeforeRedirect: false,
  },
]

export const SENCE_ERRORS: ReadonlyMap<number, SenceError> = new Map(
  ENTRIES.map((entry) => [entry.code, entry]),
)

/** Every code of Anexo 2, in the manual's order: 200-209, 211, 212, 300-313. */
export const ANEXO_2_CODES: readonly number[] = ENTRIES.map((entry) => entry.code)

/** Returns the table's entry for a code, or a generic entry for a code the table does not have. */
export function describeSenceError(code: number | null): SenceError {
  const known = code === null ? undefined : SENCE_ERRORS.get(code)
  if (known !== undefined) return known
  return {
    code: code ?? 0,
    meaning: 'Código no descrito en la tabla de errores de SENCE (Anexo 2).',
    message: `SENCE no pudo registrar tu sesión. ${TRY_LATER}`,
    guidance: `SENCE devolvió un código que su tabla de errores no describe (${code ?? 'sin código'}). ${REPORT}`,
    reportToSence: true,
    checkedBeforeRedirect: false,
  }
}

/**
 * Describes every code of one GlosaError at once, so that no code is hidden
 * behind the first: the students' messages without repeats, and each code's
 * guidance prefixed with its number when there are several.
 */
export function describeSenceErrors(codes: readonly number[]): {
  message: string
  guidance: string
} {
  const entries = (codes.length === 0 ? [null] : [...new Set(codes)]).map(describeSenceError)
  const messages = [...new Set(entries.map((entry) => entry.message))]
  const guidance =
    entries.length === 1
      ? (entries[0] as SenceError).guidance
      : entries.map((entry) => `${entry.code}: ${entry.guidance}`).join(' ')
  return { message: messages.join(' '), guidance }
}
