# Runs the weft command once and checks its exit status and output:
#   cmake -DWEFT=<weft> -DARGS=<arg|arg|...> -DCODE=<status>
#         [-DREGEX=<regex the output (stdout + stderr) must match>]
#         [-DJSON_KEY=<member of the JSON on stdout that must exist>]
#         -P cli_expect.cmake
string(REPLACE "|" ";" ARGS "${ARGS}")
execute_process(COMMAND "${WEFT}" ${ARGS}
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)
string(REPLACE ";" " " shown "${ARGS}")
if(NOT "${status}" STREQUAL "${CODE}")
  message(FATAL_ERROR "weft ${shown}: exit status ${status}, expected ${CODE}\n"
    "--- stdout\n${out}\n--- stderr\n${err}")
endif()
if(DEFINED REGEX AND NOT "${out}${err}" MATCHES "${REGEX}")
  message(FATAL_ERROR "weft ${shown}: the output does not match '${REGEX}'\n"
    "--- stdout\n${out}\n--- stderr\n${err}")
endif()
if(DEFINED JSON_KEY)
  string(JSON value ERROR_VARIABLE json_error GET "${out}" ${JSON_KEY})
  if(json_error)
    message(FATAL_ERROR "weft ${shown}: no '${JSON_KEY}' in the JSON output: ${json_error}\n"
      "--- stdout\n${out}")
  endif()
endif()
