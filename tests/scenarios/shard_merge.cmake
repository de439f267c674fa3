# `weft check --shard K/N` in N processes, then `weft merge`: the merged
# report covers every variant once, sums the shards' executions to those of
# the whole check, and keeps the verdicts.
#   cmake -DWEFT=<weft> -DWORK=<scratch dir> -DNAMES=<name|name|...> -P shard_merge.cmake
string(REPLACE "|" ";" NAMES "${NAMES}")
file(MAKE_DIRECTORY "${WORK}")
set(shards 3)
set(reports "")
foreach(k RANGE 1 ${shards})
  execute_process(COMMAND "${WEFT}" check ${NAMES} --executions 300 --shard ${k}/${shards}
                          --format json --output "${WORK}/shard-${k}.json"
    RESULT_VARIABLE status OUTPUT_QUIET ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "weft check --shard ${k}/${shards}: exit ${status}\n${err}")
  endif()
  list(APPEND reports "${WORK}/shard-${k}.json")
endforeach()
execute_process(COMMAND "${WEFT}" merge ${reports} --format json
  RESULT_VARIABLE status OUTPUT_VARIABLE merged ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "weft merge: exit ${status}\n${err}\n${merged}")
endif()
execute_process(COMMAND "${WEFT}" check ${NAMES} --executions 300 --format json
  RESULT_VARIABLE status OUTPUT_VARIABLE whole ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "weft check (whole): exit ${status}\n${err}")
endif()
list(LENGTH NAMES expected_count)
string(JSON merged_count LENGTH "${merged}" results)
if(NOT merged_count EQUAL expected_count)
  message(FATAL_ERROR "merged ${merged_count} results, expected ${expected_count}:\n${merged}")
endif()
math(EXPR last "${expected_count} - 1")
foreach(i RANGE ${last})
  string(JSON name GET "${merged}" results ${i} variant)
  string(JSON match GET "${merged}" results ${i} match)
  string(JSON verdict GET "${merged}" results ${i} report verdict)
  string(JSON whole_verdict GET "${whole}" results ${i} report verdict)
  if(NOT match OR NOT verdict STREQUAL whole_verdict)
    message(FATAL_ERROR "${name}: merged match=${match} verdict=${verdict}, whole check ${whole_verdict}")
  endif()
  if(verdict STREQUAL "pass")
    # A passing check runs all its executions, split or whole (unless an
    # exhaustive search ended first: then both ran the same search).
    string(JSON merged_runs GET "${merged}" results ${i} report statistics executions)
    string(JSON whole_runs GET "${whole}" results ${i} report statistics executions)
    if(NOT merged_runs EQUAL whole_runs)
      message(FATAL_ERROR "${name}: the shards ran ${merged_runs} executions, the whole check ${whole_runs}")
    endif()
  endif()
endforeach()
