# cmake -DOUTPUT=header -DASSETS="kName=file;..." -P embed_assets.cmake
# Writes a header that holds each file as a C++ raw string constant, so a binary can serve
# its own web page with nothing read from disk or the network at run time.
set(text "// Generated from emulator/dashboard/www by cmake/embed_assets.cmake; edit those files.\n#pragma once\n\n")
foreach(pair IN LISTS ASSETS)
  string(REPLACE "=" ";" parts "${pair}")
  list(GET parts 0 name)
  list(GET parts 1 file)
  file(READ "${file}" content)
  string(FIND "${content}" ")LEOMESH_ASSET\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file} contains the raw string delimiter")
  endif()
  string(APPEND text "inline constexpr const char* ${name} = R\"LEOMESH_ASSET(${content})LEOMESH_ASSET\";\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "${text}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
