# A variant expected to have a data race, run natively under ThreadSanitizer
# (`weft run`) until TSan reports the race, at most ATTEMPTS times (3 unless
# given). Whether a run shows it depends on how the machine interleaves the
# threads and on which earlier accesses TSan's few shadow cells per word
# still hold when the racing one comes: a single run of
# pizza.unsynchronized_totals missed it about once in 25 on the 2-core CI
# machine, lost updates and all. Fails, with every run's output, if no
# attempt reports it.
#
#   cmake -DWEFT=<weft command> -DNAME=<scenario.variant> [-DATTEMPTS=n] -P tsan_race.cmake
if(NOT DEFINED ATTEMPTS)
  set(ATTEMPTS 3)
endif()
set(ENV{TSAN_OPTIONS} "halt_on_error=1")
foreach(attempt RANGE 1 ${ATTEMPTS})
  execute_process(COMMAND "${WEFT}" run "${NAME}"
    OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE status)
  message("--- attempt ${attempt} of ${ATTEMPTS} (exit status ${status}):\n${out}${err}")
  if("${out}${err}" MATCHES "WARNING: ThreadSanitizer: data race")
    return()
  endif()
endforeach()
message(FATAL_ERROR "ThreadSanitizer reported no data race in ${ATTEMPTS} native runs of ${NAME}")
