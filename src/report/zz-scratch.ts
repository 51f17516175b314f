import { writeFileSync } from 'node:fs';
import { renderSimulationHtml, renderForecastHtml, renderPlanHtml, renderPlanTable } from './index.ts';
import { simulationResult, forecast, history, plan, inventory, promotionOccurrence } from '../../test/unit/report/fixtures.ts';
writeFileSync('/tmp/sim.html', renderSimulationHtml(simulationResult()));
writeFileSync('/tmp/forecast.html', renderForecastHtml(forecast(), history(), { events: [promotionOccurrence], synthetic: true }));
writeFileSync('/tmp/plan.html', renderPlanHtml(plan(), { forecasts: [forecast()], inventory, events: [promotionOccurrence], synthetic: true }));
console.log(renderPlanTable(plan(), { color: false, timeZone: 'Asia/Shanghai' }));
