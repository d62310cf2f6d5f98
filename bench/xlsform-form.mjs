// Writes a form of N questions (default 500) as Jangkau JSON on stdout, for
// bench/xlsform.sh to turn into a workbook: 50 screens, each a yes/no
// question that the next nine depend on (relevant), with choices, numbers
// with bounds and constraints, and a calculation per screen.
const n = Number(process.argv[2] ?? 500);
const t = (s) => ({ id: s, en: s });
const sections = [];
for (let s = 0; s * 10 < n; s++) {
  const questions = [{ id: `s${s}_gate`, type: 'yes_no', label: t(`Gate ${s}`), required: true }];
  for (let k = 1; k < 10 && s * 10 + k < n; k++) {
    const id = `s${s}_q${k}`;
    const relevant = `\${s${s}_gate} = 'yes'`;
    if (k % 3 === 0) {
      questions.push({ id, type: 'single_choice', label: t(id), relevant, choices: ['a', 'b', 'c', 'd'].map((c) => ({ code: c, label: t(c) })) });
    } else if (k % 3 === 1) {
      questions.push({ id, type: 'integer', label: t(id), relevant, min: 0, max: 100, constraint: '. != 13' });
    } else {
      questions.push({ id, type: 'text', label: t(`${id} for \${s${s}_q1}`), relevant });
    }
  }
  sections.push({ id: `screen${s}`, title: t(`Screen ${s}`), questions });
}
process.stdout.write(JSON.stringify({ id: 'bench500', version: 1, title: t('Bench'), sections }, null, 1));
