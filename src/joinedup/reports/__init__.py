"""Reports: charts and maps now; board packs (HTML, PDF, Excel) later."""
