{
  "targets": [
    {
      "target_name": "sluice_line_scanner",
      "sources": ["native/line_scanner.cc"],
      "cflags_cc": ["-O2", "-std=c++17"]
    }
  ]
}
