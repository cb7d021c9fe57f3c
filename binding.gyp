{
  "targets": [
    {
      "target_name": "sluice_line_scanner",
      "sources": ["native/line_scanner_addon.cc"]
    }
  ]
}
