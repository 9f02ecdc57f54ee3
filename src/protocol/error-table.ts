// SENCE's error table (Anexo 2 of the manual, v1.1.6): every code SENCE can
// send in GlosaError, with SENCE's own description, a message for the
// student and guidance for the OTEC's staff. Codes 100 and 210 were removed
// from the manual and are treated as unknown.

export interface SenceError {
  code: number
  /** SENCE's description, as the manual words it. */
  meaning: string
  /** Spanish, for the student: what happened and what to do now. */
  message: string
  /** Spanish, for OTEC staff: what to check, whom to call, what to report. */
  guidance: string
  /** True when the manual asks to report the error to SENCE with the request's details. */
  reportToSence: boolean
}

const REPORT =
  'Repórtelo a SENCE con la mayor cantidad de antecedentes: RUT OTEC, CodSence, CodigoCurso, ' +
  'LineaCapacitacion, RUN del alumno, IdSesionAlumno, fecha y hora, y si era inicio o cierre.'

const TRY_LATER = 'Intenta nuevamente en unos minutos. Si el problema continúa, avisa a tu OTEC.'
const TELL_OTEC = 'Avisa a tu OTEC para que lo corrija; tu asistencia no quedó registrada.'

const ENTRIES: SenceError[] = [
  {
    code: 200,
    meaning:
      'El POST tiene uno o más parámetros mandatorios sin información, mal escritos o con sólo espacios en blanco.',
    message: `No pudimos enviar tus datos a SENCE porque faltaba información del curso. ${TELL_OTEC}`,
    guidance:
      'Falta un campo obligatorio o viene en blanco (RutOtec, Token, CodigoCurso, LineaCapacitacion, RunAlumno, ' +
      'IdSesionAlumno, UrlRetoma, UrlError). Revise la configuración del curso y del OTEC en el gateway.',
    reportToSence: false,
  },
  {
    code: 201,
    meaning: 'La URL de Retoma y/o URL de Error no tienen información.',
    message: `No pudimos enviar tus datos a SENCE por un problema de configuración. ${TELL_OTEC}`,
    guidance: 'UrlRetoma o UrlError llegaron vacías a SENCE. Revise PUBLIC_BASE_URL del gateway.',
    reportToSence: false,
  },
  {
    code: 202,
    meaning: 'La URL de Retoma tiene formato incorrecto.',
    message: `No pudimos enviar tus datos a SENCE por un problema de configuración. ${TELL_OTEC}`,
    guidance:
      'SENCE rechazó UrlRetoma. Revise que PUBLIC_BASE_URL sea una URL http(s) completa y que las URL de ' +
      'retorno no superen 100 caracteres.',
    reportToSence: false,
  },
  {
    code: 203,
    meaning: 'La URL de Error tiene formato incorrecto.',
    message: `No pudimos enviar tus datos a SENCE por un problema de configuración. ${TELL_OTEC}`,
    guidance:
      'SENCE rechazó UrlError. Revise que PUBLIC_BASE_URL sea una URL http(s) completa y que las URL de ' +
      'retorno no superen 100 caracteres.',
    reportToSence: false,
  },
  {
    code: 204,
    meaning: 'El Código SENCE tiene menos de 10 caracteres y/o no es código válido.',
    message: `El código SENCE del curso no es válido. ${TELL_OTEC}`,
    guidance:
      'CodSence debe tener 10 caracteres en Franquicia Tributaria (línea 3) e ir en blanco en Programas ' +
      'Sociales (línea 1). El valor -1 sólo se acepta en el ambiente de pruebas.',
    reportToSence: false,
  },
  {
    code: 205,
    meaning: 'El Código Curso tiene menos de 7 caracteres y/o no es código válido.',
    message: `El código del curso no es válido. ${TELL_OTEC}`,
    guidance:
      'CodigoCurso (ID de acción, folio SENCE) debe tener al menos 7 caracteres, salvo en cursos FPT (línea 6). ' +
      'El valor -1 sólo se acepta en el ambiente de pruebas.',
    reportToSence: false,
  },
  {
    code: 206,
    meaning: 'La línea de capacitación es incorrecta.',
    message: `La línea de capacitación del curso no es válida. ${TELL_OTEC}`,
    guidance:
      'LineaCapacitacion debe ser 1 (Programas Sociales), 3 (Franquicia Tributaria) o 6 (FPT).',
    reportToSence: false,
  },
  {
    code: 207,
    meaning: 'El Run Alumno tiene formato incorrecto, o tiene el dígito verificador incorrecto.',
    message:
      'Tu RUN no es válido. Revisa que esté bien escrito en tu perfil del curso y avisa a tu OTEC.',
    guidance:
      'El RUN del alumno no tiene formato xxxxxxxx-x o su dígito verificador no corresponde. Corríjalo en el LMS.',
    reportToSence: false,
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
  },
  {
    code: 209,
    meaning: 'El Rut OTEC tiene formato incorrecto, o tiene el dígito verificador incorrecto.',
    message: `No pudimos enviar tus datos a SENCE por un problema de configuración. ${TELL_OTEC}`,
    guidance:
      'El RUT del OTEC registrado en el gateway no es válido. Corríjalo con `sence-gateway otec update`.',
    reportToSence: false,
  },
  {
    code: 211,
    meaning: 'El Token no pertenece al OTEC.',
    message: `No pudimos registrar tu sesión por un problema de configuración. ${TELL_OTEC}`,
    guidance:
      'El Token configurado no corresponde al RUT OTEC. Genere uno en https://sistemas.sence.cl/rts con el RUT ' +
      'del OTEC y actualícelo en el gateway.',
    reportToSence: false,
  },
  {
    code: 212,
    meaning: 'El Token no está vigente.',
    message: `No pudimos registrar tu sesión por un problema de configuración. ${TELL_OTEC}`,
    guidance:
      'El Token fue dado de baja. Genere uno nuevo en https://sistemas.sence.cl/rts y actualícelo en el gateway.',
    reportToSence: false,
  },
  {
    code: 300,
    meaning: 'Error interno no clasificado.',
    message: `SENCE tuvo un error interno y no registró tu sesión. ${TRY_LATER}`,
    guidance: `Error interno de SENCE. ${REPORT}`,
    reportToSence: true,
  },
  {
    code: 301,
    meaning:
      'No se pudo registrar el ingreso o cierre de sesión: la Línea de Capacitación o el Código de Curso es incorrecto.',
    message: `SENCE no pudo registrar tu ingreso o salida. ${TELL_OTEC}`,
    guidance:
      'Revise LineaCapacitacion y CodigoCurso. En cierres, SENCE también responde 301 cuando la sesión lleva ' +
      'abierta más tiempo del permitido (unas 3 horas, según informan otras integraciones).',
    reportToSence: false,
  },
  {
    code: 302,
    meaning: 'No se pudo validar la información del Organismo.',
    message: `SENCE no pudo validar los datos de tu OTEC. ${TRY_LATER}`,
    guidance: `SENCE no pudo validar al OTEC. ${REPORT}`,
    reportToSence: true,
  },
  {
    code: 303,
    meaning: 'El Token no existe, o su formato es incorrecto.',
    message: `No pudimos registrar tu sesión por un problema de configuración. ${TELL_OTEC}`,
    guidance:
      'SENCE no reconoce el Token. Cópielo de nuevo desde https://sistemas.sence.cl/rts, completo y sin espacios.',
    reportToSence: false,
  },
  {
    code: 304,
    meaning: 'No se pudieron verificar los datos enviados.',
    message: `SENCE no pudo verificar los datos enviados. ${TRY_LATER}`,
    guidance: `SENCE no pudo verificar los datos. ${REPORT}`,
    reportToSence: true,
  },
  {
    code: 305,
    meaning: 'No se pudo registrar la información.',
    message: `SENCE no pudo guardar tu registro de asistencia. ${TRY_LATER}`,
    guidance: `SENCE no pudo guardar el registro. ${REPORT}`,
    reportToSence: true,
  },
  {
    code: 306,
    meaning: 'El Código Curso no corresponde al código SENCE.',
    message: `El curso está mal configurado. ${TELL_OTEC}`,
    guidance:
      'Error de configuración: el CodigoCurso (ID de acción) no pertenece a ese CodSence. Revise ambos valores ' +
      'en la orden de compra o en el sistema de Gestión de Acreditación de SENCE.',
    reportToSence: false,
  },
  {
    code: 307,
    meaning: 'El Código Curso no tiene modalidad E-learning.',
    message: `El curso no está habilitado como e-learning en SENCE. ${TELL_OTEC}`,
    guidance:
      'El CodigoCurso no está aprobado en modalidad e-learning. Consulte con el OTIC o la Dirección Regional.',
    reportToSence: false,
  },
  {
    code: 308,
    meaning: 'El Código Curso no corresponde al RUT OTEC.',
    message: `El curso está mal configurado. ${TELL_OTEC}`,
    guidance:
      'Error de configuración: el CodigoCurso (ID de acción) no pertenece a este OTEC. Revise el ID de acción ' +
      'ingresado y el RUT OTEC configurado en el gateway.',
    reportToSence: false,
  },
  {
    code: 309,
    meaning:
      'Las fechas de ejecución comunicadas para el Código Curso no corresponden a la fecha actual.',
    message: 'SENCE indica que hoy no es una fecha de ejecución de este curso. Avisa a tu OTEC.',
    guidance:
      'La fecha actual está fuera de las fechas de ejecución comunicadas para el CodigoCurso. Revíselas con el OTIC.',
    reportToSence: false,
  },
  {
    code: 310,
    meaning: 'El Código Curso está en estado Terminado o Anulado.',
    message: 'SENCE indica que este curso ya terminó o fue anulado. Avisa a tu OTEC.',
    guidance: 'El CodigoCurso está Terminado o Anulado en SENCE; ya no acepta asistencia.',
    reportToSence: false,
  },
  {
    code: 311,
    meaning:
      'Run ingresado en el Login de Clave Única no corresponde con Run alumno informado por el ejecutor.',
    message:
      'El RUN con que ingresaste a ClaveÚnica no es el del alumno inscrito. Vuelve a intentarlo con tu propia ClaveÚnica.',
    guidance:
      'El alumno ingresó a ClaveÚnica con otro RUN. Si el RUN del LMS está mal, corríjalo; si no, el alumno ' +
      'debe usar su propia ClaveÚnica.',
    reportToSence: false,
  },
  {
    code: 312,
    meaning: 'No se pudo completar la autenticación con Clave Única.',
    message:
      'No se pudo completar tu ingreso con ClaveÚnica. Vuelve a intentarlo; si olvidaste tu clave, recupérala en https://claveunica.gob.cl/.',
    guidance:
      'La autenticación con ClaveÚnica falló. El alumno puede reintentar o recuperar su clave en claveunica.gob.cl.',
    reportToSence: false,
  },
  {
    code: 313,
    meaning: 'URL de Cierre de sesión Incorrecta.',
    message: `No pudimos cerrar tu sesión por un problema de configuración. ${TELL_OTEC}`,
    guidance:
      'SENCE rechazó la URL del cierre. Revise que el cierre se envíe al mismo ambiente (test o producción) ' +
      'en que se inició la sesión.',
    reportToSence: false,
  },
]

export const SENCE_ERRORS: ReadonlyMap<number, SenceError> = new Map(
  ENTRIES.map((entry) => [entry.code, entry]),
)

/** Returns the table's entry for a code, or a generic entry for a code the table does not have. */
export function describeSenceError(code: number | null): SenceError {
  const known = code === null ? undefined : SENCE_ERRORS.get(code)
  if (known !== undefined) return known
  return {
    code: code ?? 0,
    meaning: 'Código no descrito en la tabla de errores de SENCE.',
    message: `SENCE no pudo registrar tu sesión. ${TRY_LATER}`,
    guidance: `SENCE devolvió un código que su tabla de errores no describe (${code ?? 'sin código'}). ${REPORT}`,
    reportToSence: true,
  }
}
